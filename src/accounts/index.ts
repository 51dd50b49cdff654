import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import type { Session } from "../synapse/client.ts";
import { MxError } from "../ui/errors.ts";
import { credentialsFile, type ManagedAccount, readCredentials } from "./credentials.ts";

/**
 * The accounts every feature shares: the human admin, mxhome's own server
 * admin (admin API calls: purge, status, space) and the kick bot (the one
 * that removes members, so kicks are attributed to a bot, not a person).
 */
export const serviceLocalpart = "mxhome";
export const botLocalpart = "mxhome-bot";

export interface AccountIds {
  admin: string;
  service: string;
  bot: string;
}

export function accountIds(config: Config): AccountIds {
  const id = (localpart: string) => `@${localpart}:${config.server.server_name}`;
  return { admin: id(config.server.admin_user), service: id(serviceLocalpart), bot: id(botLocalpart) };
}

function loadSession(paths: Paths, account: ManagedAccount): Session {
  const stored = readCredentials(paths, account);
  if (!stored?.accessToken) {
    throw new MxError(`mxhome's ${account === "service" ? "service admin" : "bot"} account has no token yet (${credentialsFile(paths, account)}).`, {
      code: "accounts.no-token",
      hint: "Run `mxhome up`: it creates mxhome's accounts and repairs their tokens.",
    });
  }
  return { userId: stored.userId, accessToken: stored.accessToken, deviceId: stored.deviceId };
}

/** mxhome's server-admin session, for admin API calls. */
export const loadServiceSession = (paths: Paths): Session => loadSession(paths, "service");
export const loadServiceToken = (paths: Paths): string => loadServiceSession(paths).accessToken;
/** The kick bot's session, for client-server calls as the bot. */
export const loadBotSession = (paths: Paths): Session => loadSession(paths, "bot");
export const loadBotToken = (paths: Paths): string => loadBotSession(paths).accessToken;
