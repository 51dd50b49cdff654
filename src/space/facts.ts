import { accountIds, loadServiceSession } from "../accounts/index.ts";
import type { FactScope } from "../doctor/facts/index.ts";
import { fail, skip, type Verdict } from "../doctor/types.ts";
import { synapseUrl } from "../runtime/up.ts";
import { synapseAdmin } from "../synapse/admin.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { adminStateReader, observeSpaceTree, type SpaceTree } from "./observe.ts";
import { readSpaceState } from "./state.ts";

/**
 * The doctor's view of the Space mxhome made: gathered once per run (every
 * space check shares it), read through the admin API as the service account.
 */
export interface SpaceObservation {
  serverName: string;
  owner: string;
  bot: string;
  exemptPowerLevel: number;
  /** `[space] trusted_remote_users`. */
  trusted: string[];
  /** Why there is nothing to judge: no Space yet, or it cannot be read. */
  unresolved?: string;
  /** The Space could not be read although one is recorded. */
  error?: string;
  tree?: SpaceTree;
}

export async function gatherSpace({ paths, config }: FactScope): Promise<SpaceObservation> {
  const ids = accountIds(config);
  const base = { serverName: config.server.server_name, owner: ids.admin, bot: ids.bot, exemptPowerLevel: config.kick.exempt_power_level, trusted: config.space.trusted_remote_users };
  const state = readSpaceState(paths);
  if (!state) return { ...base, unresolved: "no Space yet (`mxhome space create --name <name>`)" };
  try {
    const admin = synapseAdmin(createSynapseHttp(synapseUrl(config), { timeoutMs: 3_000, maxRateLimitRetries: 0 }), loadServiceSession(paths).accessToken);
    return { ...base, tree: await observeSpaceTree(adminStateReader(admin), state.spaceId) };
  } catch (error) {
    return { ...base, error: `cannot read the Space ${state.spaceId}: ${(error as Error).message}` };
  }
}

/** The command that brings one room of the tree back in line with mxhome's rules. */
export function convergeCommand(tree: SpaceTree, roomId: string): string | undefined {
  if (roomId === tree.space.roomId) return tree.space.name ? `mxhome space create --name ${JSON.stringify(tree.space.name)}` : undefined;
  const room = tree.rooms.find((candidate) => candidate.roomId === roomId);
  return room?.name && room.parentId === tree.space.roomId ? `mxhome space add-room ${JSON.stringify(room.name)}` : undefined;
}

export const roomLabel = (room: { name?: string; roomId: string }): string => (room.name ? `"${room.name}" (${room.roomId})` : room.roomId);

/** The verdict of every Space check when there is no Space to judge. */
export function spaceUnavailable(observation: SpaceObservation): Verdict | undefined {
  if (observation.unresolved) return skip(observation.unresolved);
  if (observation.error) return fail(observation.error, "Is Synapse running (`mxhome status`)? If the Space was deleted, move ~/.local/state/mxhome/space.json away.");
  return undefined;
}
