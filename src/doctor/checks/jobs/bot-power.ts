import { convergeCommand, gatherSpace, roomLabel, type SpaceObservation, spaceUnavailable } from "../../../space/facts.ts";
import { allRooms } from "../../../space/observe.ts";
import { neededBotLevel } from "../../../space/power.ts";
import { defineCheck, ok, type Verdict, warn } from "../../types.ts";

/**
 * The bot holds exactly the level kick needs in the Space and its rooms: no
 * level means kick can't work there; more than needed is power a stolen bot
 * token would hand over (bot-membership fails when it has too little).
 */
export function findBotPowerProblems(observation: SpaceObservation): { roomId: string; problem: string }[] {
  if (!observation.tree) return [];
  return allRooms(observation.tree).flatMap((room) => {
    const level = room.powerLevels?.users?.[observation.bot];
    const needed = neededBotLevel(room, observation.exemptPowerLevel);
    if (level === undefined) return [{ roomId: room.roomId, problem: `the bot has no power level in ${roomLabel(room)} (kick needs ${needed})` }];
    if (level > needed) return [{ roomId: room.roomId, problem: `the bot has power level ${level} in ${roomLabel(room)}, more than the ${needed} kick needs` }];
    return [];
  });
}

export function judgeBotPower(observation: SpaceObservation): Verdict {
  const unavailable = spaceUnavailable(observation);
  if (unavailable) return unavailable;
  const problems = findBotPowerProblems(observation);
  if (problems.length === 0) return ok(`${observation.bot} holds exactly the level kick needs in the Space and its rooms`);
  const tree = observation.tree!;
  const fixes = problems.map(({ roomId }) => convergeCommand(tree, roomId) ?? `in your client, set ${observation.bot} to the level named in ${roomId} (Roles & Permissions)`);
  return warn(problems.map((problem) => problem.problem).join("; "), [...new Set(fixes)].join("; "));
}

export const botPowerCheck = defineCheck({
  id: "bot-power",
  category: "jobs",
  title: "Kick bot holds exactly the power it needs in the Space",
  after: ["tokens"],
  gather: gatherSpace,
  judge: judgeBotPower,
});
