import type { LedgerRoom, MembershipRow } from "./ledger-store.ts";
import { parsePowerLevels, userLevel } from "./power.ts";
import type { Activity, MemberEvidence, PowerLevels } from "./types.ts";

/**
 * The decision's input, assembled from ledger rows: each member of the
 * observed scope rooms with their memberships, newest activity and highest
 * power level anywhere in the scope. Pure.
 */

export const isLocalUser = (userId: string, serverName: string) => userId.slice(userId.indexOf(":") + 1) === serverName;

export function roomPowerLevels(room: LedgerRoom): PowerLevels {
  return parsePowerLevels(room.powerLevels, room.create);
}

export function assembleMembers(
  rows: readonly MembershipRow[],
  latest: ReadonlyMap<string, Activity>,
  rooms: readonly LedgerRoom[],
  serverName: string,
  /** Local users the admin API was asked about: whether they are server admins. */
  serverAdmins: ReadonlyMap<string, boolean> = new Map(),
): MemberEvidence[] {
  const levels = rooms.map(roomPowerLevels);
  const inScope = new Set(rooms.map((room) => room.roomId));
  const byUser = new Map<string, MemberEvidence>();
  for (const row of rows) {
    if (!inScope.has(row.roomId)) continue;
    let member = byUser.get(row.userId);
    if (!member) {
      const local = isLocalUser(row.userId, serverName);
      member = {
        userId: row.userId,
        local,
        memberships: [],
        lastActivity: latest.get(row.userId),
        maxLevel: Math.max(0, ...levels.map((level) => userLevel(level, row.userId))),
        serverAdmin: local ? serverAdmins.get(row.userId) : false,
      };
      byUser.set(row.userId, member);
    }
    member.memberships.push({ roomId: row.roomId, membership: row.membership, since: row.since, firstObserved: row.firstObserved });
  }
  return [...byUser.values()];
}
