import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { readTextIfExists, writeFileAtomic } from "../io/fs.ts";
import { MxError, usageError } from "../ui/errors.ts";

/**
 * The Space `mxhome space create` made, recorded in the state dir (never in
 * mxhome.toml, which stays the user's). `kick` and `doctor` find the Space
 * through `readSpaceState` / `resolveKickScopeRoot`.
 */
export interface SpaceState {
  spaceId: string;
  createdAt: string;
  /** Rooms mxhome created, by the name asked for: lets a run interrupted between creating and linking a room finish the job. */
  rooms: Record<string, string>;
}

export const spaceStateFile = (paths: Paths): string => join(paths.stateDir, "space.json");

export function readSpaceState(paths: Paths): SpaceState | undefined {
  const file = spaceStateFile(paths);
  const text = readTextIfExists(file);
  if (text === undefined) return undefined;
  let state: Partial<SpaceState>;
  try {
    state = JSON.parse(text) as Partial<SpaceState>;
  } catch (error) {
    throw new MxError(`${file} is not valid JSON.`, {
      code: "space.state-corrupt",
      hint: `It records your Space's id. Restore it from a backup, or rewrite it as {"spaceId": "!…:your.server", "createdAt": "…", "rooms": {}}.`,
      cause: error,
    });
  }
  if (typeof state.spaceId !== "string" || !state.spaceId.startsWith("!")) {
    throw new MxError(`${file} names no Space id.`, { code: "space.state-corrupt", hint: `Put your Space's room id in it: {"spaceId": "!…", "createdAt": "…", "rooms": {}}.` });
  }
  return { spaceId: state.spaceId, createdAt: state.createdAt ?? "", rooms: state.rooms ?? {} };
}

export function writeSpaceState(paths: Paths, state: SpaceState): void {
  writeFileAtomic(spaceStateFile(paths), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/** Where `[kick] scope` starts: the Space mxhome made, a room (id or alias) from mxhome.toml, or nothing yet. */
export type KickScopeRoot =
  | { kind: "space"; roomId: string }
  | { kind: "configured"; room: string }
  | { kind: "missing"; reason: string };

export function resolveKickScopeRoot(paths: Paths, config: Config): KickScopeRoot {
  if (config.kick.scope !== "space") return { kind: "configured", room: config.kick.scope };
  const state = readSpaceState(paths);
  if (state) return { kind: "space", roomId: state.spaceId };
  return { kind: "missing", reason: 'kick.scope is "space" and no Space was created yet (`mxhome space create --name <name>`)' };
}

/** The recorded Space, or a usage error saying how to create it. */
export function requireSpaceState(paths: Paths): SpaceState {
  const state = readSpaceState(paths);
  if (!state) throw usageError("There is no Space yet.", "space.none", "Create it first: mxhome space create --name <name>");
  return state;
}
