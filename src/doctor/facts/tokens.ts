import { accountIds } from "../../accounts/index.ts";
import { type ManagedAccount, readCredentials } from "../../accounts/credentials.ts";
import { synapseAdmin } from "../../synapse/admin.ts";
import { whoami } from "../../synapse/client.ts";
import { createSynapseHttp } from "../../synapse/http.ts";
import { MxError } from "../../ui/errors.ts";
import type { FactScope } from "./index.ts";

/** Whether each of mxhome's own tokens still works, and whether the service account is still a server admin. */
export interface TokenObservation {
  account: ManagedAccount;
  userId: string;
  /** "none": no credentials or no token stored yet. */
  state: "valid" | "none" | "revoked" | "other-user" | "error";
  /** Service account only. */
  admin?: boolean;
  error?: string;
}

async function observeAccount(scope: FactScope, account: ManagedAccount, userId: string): Promise<TokenObservation> {
  let token: string | undefined;
  try {
    token = readCredentials(scope.paths, account)?.accessToken;
  } catch (error) {
    return { account, userId, state: "error", error: (error as Error).message };
  }
  if (!token) return { account, userId, state: "none" };
  const http = createSynapseHttp(`http://127.0.0.1:${scope.config.network.synapse_port}`, { timeoutMs: 3_000, maxRateLimitRetries: 0 });
  try {
    const owner = await whoami(http, token);
    if (owner !== userId) return { account, userId, state: "other-user", error: `the token belongs to ${owner}` };
    if (account !== "service") return { account, userId, state: "valid" };
    return { account, userId, state: "valid", admin: await synapseAdmin(http, token).isServerAdmin(userId) };
  } catch (error) {
    if (error instanceof MxError && error.code === "synapse.M_UNKNOWN_TOKEN") return { account, userId, state: "revoked" };
    return { account, userId, state: "error", error: (error as Error).message };
  }
}

export async function gatherTokens(scope: FactScope): Promise<TokenObservation[]> {
  const ids = accountIds(scope.config);
  return Promise.all([observeAccount(scope, "service", ids.service), observeAccount(scope, "bot", ids.bot)]);
}
