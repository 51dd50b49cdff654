import { accountIds, type AccountIds, loadBotSession, loadServiceSession } from "../accounts/index.ts";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { type MatrixApi, openMatrixApi } from "../matrix/client.ts";
import { synapseUrl } from "../runtime/up.ts";
import { synapseAdmin, type SynapseAdmin } from "../synapse/admin.ts";
import { logout } from "../synapse/client.ts";
import { createSynapseHttp, isMatrixError, type SynapseHttp } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
import { registerSecret } from "../ui/redact.ts";

/**
 * The accounts a Space command acts through. mxhome keeps no password of the
 * human admin, so to act for them the service account (a server admin) asks
 * Synapse for a short-lived token of the admin (`POST
 * /_synapse/admin/v1/users/<admin>/login` with `valid_until_ms`; no device
 * is created) and logs it out when the command ends.
 */
export interface SpaceActors {
  ids: AccountIds;
  serverName: string;
  http: SynapseHttp;
  /** The admin API as mxhome's service account (reads). */
  admin: SynapseAdmin;
  /** The human admin, who owns the Space (writes). */
  owner(): Promise<MatrixApi>;
  bot(): Promise<MatrixApi>;
  /** Logs out the admin token, if one was made. */
  release(): Promise<void>;
}

const ownerTokenLifetimeMs = 15 * 60_000;

export function openSpaceActors(paths: Paths, config: Config, now: () => number = Date.now): SpaceActors {
  const ids = accountIds(config);
  const http = createSynapseHttp(synapseUrl(config));
  const admin = synapseAdmin(http, loadServiceSession(paths).accessToken);
  let ownerToken: string | undefined;
  let owner: Promise<MatrixApi> | undefined;
  let bot: Promise<MatrixApi> | undefined;
  const mintOwnerToken = async () => {
    const answer = await admin
      .request<{ access_token: string }>("POST", `/_synapse/admin/v1/users/${encodeURIComponent(ids.admin)}/login`, { body: { valid_until_ms: now() + ownerTokenLifetimeMs } })
      .catch((error) => {
        if (!isMatrixError(error, "M_NOT_FOUND")) throw error;
        throw new MxError(`The admin account ${ids.admin} does not exist.`, { code: "space.no-admin", hint: "Run `mxhome up`: it creates the admin account named by [server] admin_user." });
      });
    registerSecret(answer.access_token);
    ownerToken = answer.access_token;
    return answer.access_token;
  };
  return {
    ids,
    serverName: config.server.server_name,
    http,
    admin,
    owner: () => (owner ??= mintOwnerToken().then((accessToken) => openMatrixApi(http.baseUrl, { userId: ids.admin, accessToken }))),
    bot: () => (bot ??= openMatrixApi(http.baseUrl, loadBotSession(paths))),
    async release() {
      if (ownerToken) await logout(http, ownerToken).catch(() => undefined);
      ownerToken = undefined;
    },
  };
}
