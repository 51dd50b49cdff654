import type { SynapseHttp } from "./http.ts";

/** An access token and whose it is. */
export interface Session {
  userId: string;
  accessToken: string;
  deviceId?: string;
}

/** Password login (`m.login.password`); Synapse rate-limits these per address and per account. */
export async function loginWithPassword(http: SynapseHttp, userId: string, password: string, deviceName = "mxhome"): Promise<Session> {
  const session = await http.request<{ user_id: string; access_token: string; device_id: string }>("POST", "/_matrix/client/v3/login", {
    body: {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: userId },
      password,
      initial_device_display_name: deviceName,
    },
  });
  return { userId: session.user_id, accessToken: session.access_token, deviceId: session.device_id };
}

/** Whose token this is; fails with `synapse.M_UNKNOWN_TOKEN` once it was revoked. */
export async function whoami(http: SynapseHttp, accessToken: string): Promise<string> {
  const answer = await http.request<{ user_id: string }>("GET", "/_matrix/client/v3/account/whoami", { token: accessToken });
  return answer.user_id;
}

export async function logout(http: SynapseHttp, accessToken: string): Promise<void> {
  await http.request("POST", "/_matrix/client/v3/logout", { token: accessToken, body: {} });
}
