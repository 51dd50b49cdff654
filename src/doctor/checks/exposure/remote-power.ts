import { gatherSpace, roomLabel, type SpaceObservation, spaceUnavailable } from "../../../space/facts.ts";
import { allRooms } from "../../../space/observe.ts";
import { formatLevel, matchesUserPattern, moderatorLevel, privilegedUsers, serverOf, userLevel } from "../../../space/power.ts";
import { joinedMembers } from "../../../space/snapshot.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

/**
 * Power level 50 or more lets a member moderate; 100 lets them take the room
 * over. For a member of another homeserver, that power also belongs to
 * whoever runs that server. Only people listed in `[space]
 * trusted_remote_users` (the owner's own alt account, say) may hold it.
 */
export interface RemotePowerFinding {
  userId: string;
  room: string;
  level: number;
  /** "users_default": the room gives everyone this level. */
  via: "users" | "creator" | "users_default";
}

export function findRemotePower(observation: SpaceObservation): RemotePowerFinding[] {
  const { tree, serverName, trusted } = observation;
  if (!tree) return [];
  const remoteUntrusted = (userId: string) => serverOf(userId) !== serverName && !trusted.some((pattern) => matchesUserPattern(pattern, userId));
  return allRooms(tree).flatMap((room) => {
    const explicit = privilegedUsers(room)
      .filter(({ userId, level }) => level >= moderatorLevel && remoteUntrusted(userId))
      .map(({ userId, level }): RemotePowerFinding => ({ userId, room: roomLabel(room), level, via: room.powerLevels?.users?.[userId] === undefined ? "creator" : "users" }));
    const usersDefault = Number(room.powerLevels?.users_default ?? 0);
    const byDefault =
      usersDefault >= moderatorLevel
        ? joinedMembers(room)
            .filter((userId) => remoteUntrusted(userId) && userLevel(room, userId) === usersDefault)
            .map((userId): RemotePowerFinding => ({ userId, room: roomLabel(room), level: usersDefault, via: "users_default" }))
        : [];
    return [...explicit, ...byDefault];
  });
}

const describe = (finding: RemotePowerFinding) =>
  `${finding.userId} has power level ${formatLevel(finding.level)} in ${finding.room}${finding.via === "users_default" ? " (the room's users_default)" : finding.via === "creator" ? " as a creator of the room" : ""}`;

export function judgeRemotePower(observation: SpaceObservation): Verdict {
  const unavailable = spaceUnavailable(observation);
  if (unavailable) return unavailable;
  const findings = findRemotePower(observation);
  const rooms = allRooms(observation.tree!).length;
  if (findings.length === 0) return ok(`nobody from another homeserver holds power level ${moderatorLevel} or more in the Space or its ${rooms - 1} room${rooms === 2 ? "" : "s"}`);
  const users = [...new Set(findings.filter((finding) => finding.via === "users").map((finding) => finding.userId))];
  const fixes = [
    ...(users.length ? [`mxhome space demote ${users.join(" ")}`] : []),
    ...(findings.some((finding) => finding.via === "users_default") ? ["lower users_default to 0 in the rooms named (room settings → Roles & Permissions)"] : []),
    ...(findings.some((finding) => finding.via === "creator") ? ["a creator's power can't be lowered: move the members to a new room"] : []),
  ];
  return fail(
    `${findings.map(describe).join("; ")}. Whoever runs their homeserver holds that power too.`,
    `${fixes.join("; ")} — or, if you trust them (your own alt account), add them to [space] trusted_remote_users in mxhome.toml.`,
  );
}

export const remotePowerCheck = defineCheck({
  id: "remote-power",
  category: "exposure",
  title: "Nobody from another homeserver can moderate the Space",
  after: ["tokens"],
  gather: gatherSpace,
  judge: judgeRemotePower,
});
