import { gatherKickScope, type KickScopeObservation } from "../../facts/kick-scope.ts";
import { defineCheck, fail, ok, skip, type Verdict } from "../../types.ts";

export function judgeBotMembership(observation: KickScopeObservation): Verdict {
  if (observation.unresolved) return skip(observation.unresolved);
  const problems = observation.rooms.flatMap((room) => {
    if (room.error) return [`${room.roomId}: ${room.error}`];
    if (!room.joined) return [`${room.roomId}: the bot is not in the room`];
    if (room.botLevel < room.neededLevel) return [`${room.roomId}: the bot has power level ${room.botLevel}, needs ${room.neededLevel}`];
    return [];
  });
  if (problems.length === 0) return ok(`${observation.bot} is in all ${observation.rooms.length} rooms of the kick scope with enough power`);
  return fail(
    problems.join("; "),
    "mxhome kick --setup   # joins the bot to every room of the scope at exactly the level kick needs",
  );
}

export const botMembershipCheck = defineCheck({
  id: "bot-membership",
  category: "jobs",
  title: "Kick bot in every room, with power",
  after: ["tokens"],
  gather: gatherKickScope,
  judge: judgeBotMembership,
});
