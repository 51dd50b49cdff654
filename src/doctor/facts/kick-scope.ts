import { loadServiceSession } from "../../accounts/index.ts";
import { accountIds } from "../../accounts/index.ts";
import { resolveKickScope } from "../../kick/scope.ts";
import { gatherStandings, type RoomStanding } from "../../kick/standing.ts";
import { synapseAdmin } from "../../synapse/admin.ts";
import { createSynapseHttp } from "../../synapse/http.ts";
import { resolveKickScopeRoot } from "../../space/state.ts";
import type { FactScope } from "./index.ts";

/**
 * The rooms `mxhome kick` works on, and the bot's standing in each, read
 * through the admin API as mxhome's service account — with kick's own
 * resolver (src/kick/scope.ts: the Space `mxhome space create` recorded, or
 * `[kick] scope`, and every room below it, recursively) and standing
 * (src/kick/standing.ts: joined, level, and the level kick needs).
 */
export type { RoomStanding };

export interface KickScopeObservation {
  bot: string;
  /** Why no rooms could be listed ("no Space yet"). */
  unresolved?: string;
  rooms: RoomStanding[];
}

export async function gatherKickScope(scope: FactScope): Promise<KickScopeObservation> {
  const { config, paths } = scope;
  const bot = accountIds(config).bot;
  const admin = synapseAdmin(createSynapseHttp(`http://127.0.0.1:${config.network.synapse_port}`, { timeoutMs: 3_000, maxRateLimitRetries: 0 }), loadServiceSession(paths).accessToken);
  const resolved = await resolveKickScope(admin, config, resolveKickScopeRoot(paths, config));
  if (resolved.rooms.length === 0) return { bot, unresolved: resolved.unresolved ?? "the kick scope names no rooms", rooms: [] };
  return { bot, rooms: await gatherStandings(admin, resolved.rooms, bot, config.kick.exempt_power_level) };
}
