import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { acquireLock } from "../state/lock.ts";
import { isMatrixError } from "../synapse/http.ts";
import { MxError, usageError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { openSpaceActors, type SpaceActors } from "./actors.ts";
import { applyChange, createRoom } from "./apply.ts";
import { aliasCandidates, aliasFromName, describeCreate, matrixToLink } from "./describe.ts";
import { adminStateReader, readSnapshot, type SpaceTree, observeSpaceTree } from "./observe.ts";
import { planChild, planSpace, type RoomPlan, type RoomWish, roomCreateRequest, spaceCreateRequest, type SpacePolicy } from "./plan.ts";
import { supportsRestrictedJoins } from "./power.ts";
import type { RoomSnapshot } from "./snapshot.ts";
import { readSpaceState, requireSpaceState, type SpaceState, spaceStateFile, writeSpaceState } from "./state.ts";

/**
 * `space create` and `space add-room`: find what exists (by state: the
 * Space recorded in the state dir, its children by name), create what is
 * missing, converge what drifted. With nothing to do, nothing is sent.
 */
export interface TargetReport {
  name: string;
  roomId?: string;
  created: boolean;
  /** What was (or, with --dry-run, would be) done. */
  changes: string[];
}

export interface SpaceChangeReport {
  dryRun: boolean;
  spaceId?: string;
  link?: string;
  space: TargetReport;
  rooms: TargetReport[];
  changed: boolean;
}

export interface ConvergeRequest {
  /** `create`: the Space's name, and its alias (default: from the name); absent for `add-room`, which needs an existing Space. */
  space?: { name: string; alias?: string };
  rooms: RoomWish[];
  dryRun: boolean;
}

const fallbackRoomVersion = "10";

async function choosePolicy(actors: SpaceActors, config: Config): Promise<SpacePolicy> {
  const answer = await actors.admin.request<{ capabilities: { "m.room_versions"?: { default: string } } }>("GET", "/_matrix/client/v3/capabilities");
  const serverDefault = answer.capabilities["m.room_versions"]?.default ?? fallbackRoomVersion;
  return {
    serverName: actors.serverName,
    owner: actors.ids.admin,
    bot: actors.ids.bot,
    exemptPowerLevel: config.kick.exempt_power_level,
    roomVersion: supportsRestrictedJoins(serverDefault) ? serverDefault : fallbackRoomVersion,
  };
}

function checkPlan(plan: RoomPlan): void {
  if (plan.problems.length === 0) return;
  throw new MxError(`mxhome cannot bring the Space in line: ${plan.problems.join("; ")}.`, { code: "space.cannot-converge", hint: plan.problems.length === 1 ? undefined : "Fix each, then run the command again." });
}

async function applyPlan(actors: SpaceActors, plan: RoomPlan, report: TargetReport, dryRun: boolean): Promise<void> {
  checkPlan(plan);
  for (const change of plan.changes) {
    if (!dryRun) {
      log.debug(`${report.name}: ${change.summary}`);
      await applyChange(actors, change);
    }
    report.changes.push(change.summary);
  }
}

async function loadSpace(actors: SpaceActors, paths: Paths, state: SpaceState): Promise<SpaceTree> {
  return observeSpaceTree(adminStateReader(actors.admin), state.spaceId).catch((error: Error) => {
    throw new MxError(`The Space recorded in ${spaceStateFile(paths)} (${state.spaceId}) cannot be read: ${error.message}`, {
      code: "space.gone",
      hint: `If it was deleted, move ${spaceStateFile(paths)} away and run \`mxhome space create\` again.`,
      cause: error,
    });
  });
}

/** A child by its current name; else a room an interrupted run created under that name and still points at the Space. */
async function findRoom(actors: SpaceActors, tree: SpaceTree, state: SpaceState, name: string): Promise<RoomSnapshot | undefined> {
  const child = tree.rooms.find((room) => room.parentId === tree.space.roomId && room.name === name);
  if (child) return child;
  const recorded = state.rooms[name];
  if (!recorded) return undefined;
  const snapshot = await readSnapshot(adminStateReader(actors.admin), recorded).catch(() => undefined);
  return snapshot?.parents.some((parent) => parent.roomId === state.spaceId) ? snapshot : undefined;
}

/** The room an alias names, or undefined when it is free (read with the service admin, so a dry run mints no token). */
async function aliasHolder(actors: SpaceActors, alias: string): Promise<string | undefined> {
  try {
    return (await actors.admin.request<{ room_id: string }>("GET", `/_matrix/client/v3/directory/room/${encodeURIComponent(alias)}`)).room_id;
  } catch (error) {
    if (isMatrixError(error, "M_NOT_FOUND")) return undefined;
    throw error;
  }
}

/**
 * Every room gets an alias unless it has one: room version 12 ids have no
 * `:server` part, and clients that join by id alone (matrix-commander) then
 * have no server to join through. Without --alias: #<slug>:<server>, or the
 * first free #<slug>-N when another room holds it.
 */
async function aliasFor(actors: SpaceActors, wish: RoomWish, room: RoomSnapshot | undefined): Promise<string | undefined> {
  if (wish.alias || room?.canonicalAlias) return wish.alias;
  for (const candidate of aliasCandidates(aliasFromName(wish.name, "room"))) {
    const holder = await aliasHolder(actors, `#${candidate}:${actors.serverName}`);
    if (holder === undefined || holder === room?.roomId) return candidate;
  }
  return undefined;
}

export async function convergeSpace(paths: Paths, config: Config, request: ConvergeRequest): Promise<SpaceChangeReport> {
  if ([request.space?.name, ...request.rooms.map((wish) => wish.name)].some((name) => name !== undefined && name.trim() === "")) {
    throw usageError("A Space or room name is empty.", "space.empty-name", 'Give each a name: --name "Family" --room "General".');
  }
  const release = request.dryRun ? () => {} : acquireLock(paths, "space");
  const actors = openSpaceActors(paths, config);
  try {
    const policy = await choosePolicy(actors, config);
    let state = readSpaceState(paths);
    const report: SpaceChangeReport = { dryRun: request.dryRun, space: { name: request.space?.name ?? "", created: false, changes: [] }, rooms: [], changed: false };
    let tree: SpaceTree | undefined;
    if (state) {
      tree = await loadSpace(actors, paths, state);
      const current = tree.space.name ?? "";
      if (request.space && request.space.name !== current) {
        throw usageError(`mxhome already made a Space, "${current}" (${state.spaceId}); it keeps one.`, "space.exists", `Run \`mxhome space create --name "${current}"\` to check it, \`mxhome space add-room <name>\` to add rooms; rename it in your client.`);
      }
      report.space.name = current;
    } else if (!request.space) {
      requireSpaceState(paths);
    } else {
      const create = spaceCreateRequest(policy, request.space.name, request.space.alias ?? aliasFromName(request.space.name));
      report.space = { name: request.space.name, created: true, changes: describeCreate(create, policy.serverName, policy.bot) };
      if (!request.dryRun) {
        const spaceId = await createRoom(actors, create);
        state = { spaceId, createdAt: new Date().toISOString(), rooms: {} };
        writeSpaceState(paths, state);
        tree = await loadSpace(actors, paths, state);
      }
    }
    if (tree && state) {
      report.space.roomId = tree.space.roomId;
      await applyPlan(actors, planSpace(policy, tree.space, report.space.created ? undefined : request.space?.alias), report.space, request.dryRun);
    }
    const wishes = [...new Map(request.rooms.map((wish) => [wish.name, wish])).values()];
    for (const asked of wishes) {
      const target: TargetReport = { name: asked.name, created: false, changes: [] };
      report.rooms.push(target);
      let room = tree && state ? await findRoom(actors, tree, state, asked.name) : undefined;
      const wish = { ...asked, alias: await aliasFor(actors, asked, room) };
      if (!room) {
        const create = roomCreateRequest(policy, state?.spaceId ?? "!the-new-space", wish);
        target.created = true;
        target.changes.push(...describeCreate(create, policy.serverName, policy.bot));
        if (request.dryRun || !state) continue;
        const roomId = await createRoom(actors, create);
        state.rooms[wish.name] = roomId;
        writeSpaceState(paths, state);
        room = await readSnapshot(adminStateReader(actors.admin), roomId);
      }
      target.roomId = room.roomId;
      await applyPlan(actors, planChild(policy, tree!.space, room, wish), target, request.dryRun);
    }
    report.spaceId = state?.spaceId;
    report.link = state ? matrixToLink(state.spaceId, tree?.space.canonicalAlias, policy.serverName) : undefined;
    report.changed = [report.space, ...report.rooms].some((target) => target.created || target.changes.length > 0);
    return report;
  } finally {
    await actors.release();
    release();
  }
}
