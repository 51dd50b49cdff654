import { createHmac } from "node:crypto";
import type { SynapseHttp } from "./http.ts";
import type { Session } from "./client.ts";

/**
 * Synapse's shared-secret registration (docs/admin_api/register_api.md):
 * works while public registration is closed, and needs no existing account,
 * which is how mxhome bootstraps its first admin.
 */
export interface SharedSecretRegistration {
  sharedSecret: string;
  localpart: string;
  password: string;
  admin: boolean;
}

/** Pure: hex HMAC-SHA1 keyed with the shared secret over `nonce\0user\0password\0admin|notadmin`. */
export function registrationMac(nonce: string, registration: SharedSecretRegistration): string {
  const message = [nonce, registration.localpart, registration.password, registration.admin ? "admin" : "notadmin"].join("\0");
  return createHmac("sha1", registration.sharedSecret).update(message, "utf8").digest("hex");
}

const registerPath = "/_synapse/admin/v1/register";

/** Creates the account. An existing localpart fails with code `synapse.M_USER_IN_USE`. */
export async function registerWithSharedSecret(http: SynapseHttp, registration: SharedSecretRegistration): Promise<Session> {
  // A nonce lasts 60 s and is single-use, so fetch it right before the POST.
  const { nonce } = await http.request<{ nonce: string }>("GET", registerPath);
  const created = await http.request<{ user_id: string; access_token: string; device_id: string }>("POST", registerPath, {
    body: {
      nonce,
      username: registration.localpart,
      password: registration.password,
      admin: registration.admin,
      mac: registrationMac(nonce, registration),
    },
  });
  return { userId: created.user_id, accessToken: created.access_token, deviceId: created.device_id };
}
