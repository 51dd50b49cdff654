import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { acquireLock } from "../state/lock.ts";
import { accountIds, type AccountIds } from "../accounts/index.ts";
import { type MxError, usageError } from "../ui/errors.ts";
import { openSpaceActors } from "./actors.ts";
import { applyChange } from "./apply.ts";
import { checkUserId } from "./describe.ts";
import { adminStateReader, allRooms, observeSpaceTree, type SpaceTree } from "./observe.ts";
import type { Change } from "./plan.ts";
import { creatorsHavePower, formatLevel, moderatorLevel, userLevel } from "./power.ts";
import { requireSpaceState } from "./state.ts";

/**
 * `space demote`: lowers users to the default level in the Space and every
 * room below it — the fix doctor names for a member of another homeserver
 * holding power ≥ 50. Nobody can lower a creator (room version 12), and only
 * its holder can lower a level equal to the admin's own.
 */
export interface DemoteStep {
  userId: string;
  roomId: string;
  room: string;
  from: string;
  to: number;
  outcome: "lowered" | "would-lower" | "cannot";
  reason?: string;
}

export interface DemoteReport {
  dryRun: boolean;
  steps: DemoteStep[];
}

/** Pure: the power_levels changes (as the owner) and what cannot be changed. */
export function planDemote(tree: SpaceTree, owner: string, userId: string): { changes: Change[]; steps: DemoteStep[] } {
  const changes: Change[] = [];
  const steps: DemoteStep[] = [];
  for (const room of allRooms(tree)) {
    const usersDefault = Number(room.powerLevels?.users_default ?? 0);
    const level = userLevel(room, userId);
    // At the default nobody is singled out, unless the default itself is moderator power.
    if (level < usersDefault || (level === usersDefault && usersDefault < moderatorLevel)) continue;
    const step: DemoteStep = { userId, roomId: room.roomId, room: room.name ?? room.roomId, from: formatLevel(level), to: usersDefault, outcome: "would-lower" };
    steps.push(step);
    if (creatorsHavePower(room.roomVersion) && room.creators.includes(userId)) {
      Object.assign(step, { outcome: "cannot", reason: "a creator of the room (room version 12) holds power nobody can lower; move the room's members to a new room" });
    } else if (userLevel(room, owner) <= level) {
      Object.assign(step, { outcome: "cannot", reason: `the admin's own level is not above ${level}; only ${userId} can lower it (or move to a new room)` });
    } else if (userId in (room.powerLevels?.users ?? {}) && level > usersDefault) {
      const users = { ...room.powerLevels!.users };
      delete users[userId];
      changes.push({ kind: "state", roomId: room.roomId, type: "m.room.power_levels", stateKey: "", content: { ...room.powerLevels, users }, actor: "owner", summary: `${userId}: ${level} → ${usersDefault}` });
    } else {
      Object.assign(step, { outcome: "cannot", reason: `users_default is ${usersDefault}: everyone has it; lower users_default in the room's settings` });
    }
  }
  return { changes, steps };
}

/** Pure: why mxhome will not demote one of its own accounts, and what to do instead; undefined for anyone else. */
export function demoteRefusal(userId: string, ids: AccountIds): MxError | undefined {
  if (userId === ids.admin) {
    return usageError(
      `${userId} is the admin who owns the Space: mxhome manages the Space and its rooms as this account, so it keeps its power.`,
      "space.demote-owner",
      "Name the users to demote instead; `mxhome space show` lists who holds power in each room.",
    );
  }
  const instead = "Name the users to demote instead; `mxhome space show` lists who holds power in each room.";
  if (userId === ids.bot) {
    return usageError(
      `${userId} is mxhome's kick bot: \`mxhome kick\` removes inactive members as this account and needs power level 50 in every room of the Space (\`mxhome space create\` and \`mxhome kick --setup\` keep it there).`,
      "space.demote-bot",
      instead,
    );
  }
  if (userId === ids.service) {
    return usageError(
      `${userId} is mxhome's service account, the server admin that purge, status and the Space commands act through; it never joins the Space, so there is nothing to lower.`,
      "space.demote-service",
      instead,
    );
  }
  return undefined;
}

export async function runSpaceDemote(paths: Paths, config: Config, userIds: string[], dryRun: boolean): Promise<DemoteReport> {
  if (userIds.length === 0) throw usageError("Name at least one user to demote.", "space.no-user", "mxhome space demote @someone:other.server");
  userIds.forEach(checkUserId);
  // Before the Space state and the credentials are read: refused the same on any machine, changing nothing.
  const ids = accountIds(config);
  for (const userId of userIds) {
    const refusal = demoteRefusal(userId, ids);
    if (refusal) throw refusal;
  }
  const state = requireSpaceState(paths);
  const actors = openSpaceActors(paths, config);
  const release = dryRun ? () => {} : acquireLock(paths, "space");
  try {
    const report: DemoteReport = { dryRun, steps: [] };
    for (const userId of [...new Set(userIds)]) {
      // Read afresh per user: each change rewrites the rooms' power_levels.
      const tree = await observeSpaceTree(adminStateReader(actors.admin), state.spaceId);
      const { changes, steps } = planDemote(tree, actors.ids.admin, userId);
      for (const change of dryRun ? [] : changes) await applyChange(actors, change);
      for (const step of steps) if (step.outcome === "would-lower" && !dryRun) step.outcome = "lowered";
      report.steps.push(...steps);
    }
    return report;
  } finally {
    await actors.release();
    release();
  }
}
