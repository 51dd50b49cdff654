import { convergeCommand, gatherSpace, roomLabel, type SpaceObservation, spaceUnavailable } from "../../../space/facts.ts";
import { restrictedTo } from "../../../space/snapshot.ts";
import { defineCheck, ok, type Verdict, warn } from "../../types.ts";

/**
 * The Space is invite-only, and each room below it admits exactly the
 * members of the Space it hangs from. A room that is public, or open to
 * some other room's members, lets in people nobody invited.
 */
export interface JoinRuleProblem {
  roomId: string;
  problem: string;
  fix: string;
}

export function findJoinRuleProblems(observation: SpaceObservation): JoinRuleProblem[] {
  const tree = observation.tree;
  if (!tree) return [];
  const problems: JoinRuleProblem[] = [];
  const fixFor = (roomId: string, inClient: string) => convergeCommand(tree, roomId) ?? `in your client: ${inClient} (${roomId})`;
  if (tree.space.joinRule !== "invite") {
    problems.push({ roomId: tree.space.roomId, problem: `the Space ${roomLabel(tree.space)} has join rule "${tree.space.joinRule}", not invite-only`, fix: fixFor(tree.space.roomId, "Space settings → Visibility → Private (invite only)") });
  }
  for (const room of tree.rooms) {
    if (restrictedTo(room, room.parentId)) continue;
    const rule = room.joinRule === "restricted" ? "restricted to other rooms" : `"${room.joinRule}"`;
    problems.push({ roomId: room.roomId, problem: `${roomLabel(room)} has join rule ${rule}, not "members of the Space"`, fix: fixFor(room.roomId, "room settings → Security & Privacy → Access → Space members") });
  }
  return problems;
}

export function judgeSpaceJoinRules(observation: SpaceObservation): Verdict {
  const unavailable = spaceUnavailable(observation);
  if (unavailable) return unavailable;
  const problems = findJoinRuleProblems(observation);
  const unreadable = observation.tree!.unreadable.map(({ roomId, error }) => `${roomId}: ${error}`);
  if (problems.length === 0) {
    return ok(`the Space is invite-only and its ${observation.tree!.rooms.length} room(s) admit only its members`, unreadable.length ? unreadable : undefined);
  }
  return warn(problems.map((problem) => problem.problem).join("; "), [...new Set(problems.map((problem) => problem.fix))].join("; "), unreadable.length ? unreadable : undefined);
}

export const spaceJoinRulesCheck = defineCheck({
  id: "space-join-rules",
  category: "exposure",
  title: "The Space is invite-only, its rooms for its members",
  after: ["tokens"],
  gather: gatherSpace,
  judge: judgeSpaceJoinRules,
});
