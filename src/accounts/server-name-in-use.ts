import type { Paths } from "../config/paths.ts";
import { type MxError, usageError } from "../ui/errors.ts";
import { readCredentials } from "./credentials.ts";

/**
 * A server name can never change once users exist: every user id and room
 * carries it, and Synapse refuses to start on a database made under another
 * name ("Found users in database not native to …"). mxhome's service account
 * is made by the first `up`, so its id records the name in use.
 */
export function serverNameInUse(paths: Paths): string | undefined {
  const userId = readCredentials(paths, "service")?.userId;
  const colon = userId?.indexOf(":") ?? -1;
  return userId && colon > 0 ? userId.slice(colon + 1) : undefined;
}

/** Pure: the refusal when the configured server name is not the one this server's accounts were made under. */
export function serverNameChangeError(inUse: string | undefined, serverName: string, paths: Pick<Paths, "configFile" | "dataDir" | "stateDir">): MxError | undefined {
  if (inUse === undefined || inUse === serverName) return undefined;
  return usageError(
    `server_name "${serverName}" is not this server's name: its accounts were made as ${inUse}, and a server name can never change once users exist (Synapse would refuse to start).`,
    "config.server-name-changed",
    `Keep server_name = "${inUse}" under [server] in ${paths.configFile}. A new name means a new, empty server: \`mxhome backup\`, \`mxhome down\`, move ${paths.dataDir} and ${paths.stateDir} away, then \`mxhome init\`.`,
  );
}
