import { describe, expect, test } from "bun:test";
import { parsePowerLevels } from "../../../src/kick/power.ts";
import { chooseActor, planStep } from "../../../src/kick/setup.ts";
import { judgeStanding, type RoomFacts } from "../../../src/kick/standing.ts";

const bot = "@mxhome-bot:home.org";
const service = "@mxhome:home.org";
const owner = "@admin:home.org";
const room = { roomId: "!r:home.org", isSpace: false, name: "General" };

function facts(users: Record<string, number>, members: string[], roomVersion = "10", extra: Record<string, unknown> = {}): RoomFacts {
  const content = { users, kick: 50, invite: 0, events: { "m.room.power_levels": 100 }, ...extra };
  return { levels: parsePowerLevels(content, { sender: owner, roomVersion }), powerLevelsContent: content, members };
}

describe("the bot's standing", () => {
  test("joined at exactly the needed level: nothing to do", () => {
    const roomFacts = facts({ [owner]: 100, [bot]: 50 }, [owner, bot]);
    const standing = judgeStanding(room, roomFacts, bot, 50);
    expect(standing).toEqual({ roomId: room.roomId, name: "General", isSpace: false, joined: true, botLevel: 50, neededLevel: 50 });
    expect(planStep(standing, roomFacts, "home.org", service, bot)).toBeUndefined();
  });

  test("a level above what's needed is left alone (only raised, never lowered)", () => {
    const roomFacts = facts({ [owner]: 100, [bot]: 100 }, [owner, bot]);
    expect(planStep(judgeStanding(room, roomFacts, bot, 50), roomFacts, "home.org", service, bot)).toBeUndefined();
  });

  test("not in the room: join it and raise it, acting as the room's owner", () => {
    const roomFacts = facts({ [owner]: 100 }, [owner, "@alice:home.org"]);
    expect(planStep(judgeStanding(room, roomFacts, bot, 50), roomFacts, "home.org", service, bot)).toEqual({
      roomId: room.roomId,
      name: "General",
      join: true,
      from: 0,
      raiseTo: 50,
      actor: owner,
      outcome: "planned",
    });
  });

  test("joined but too weak, with a stricter exempt level: raise to it", () => {
    const roomFacts = facts({ [owner]: 100, [bot]: 50 }, [owner, bot]);
    expect(planStep(judgeStanding(room, roomFacts, bot, 75), roomFacts, "home.org", service, bot)).toMatchObject({ join: false, from: 50, raiseTo: 75, actor: owner });
  });

  test("nobody local with the power: planned without an actor (the run reports it)", () => {
    const roomFacts = facts({ "@boss:other.org": 100 }, ["@boss:other.org"]);
    expect(planStep(judgeStanding(room, roomFacts, bot, 50), roomFacts, "home.org", service, bot)).toMatchObject({ actor: undefined });
  });
});

describe("chooseActor", () => {
  const levels = parsePowerLevels({ users: { [owner]: 100, "@mod:home.org": 60, [service]: 60, "@remote:other.org": 100, [bot]: 100 } }, { sender: owner, roomVersion: "10" });
  const members = [owner, "@mod:home.org", service, "@remote:other.org", bot];
  test.each([
    [50, service, "the service account when it is able"],
    [60, service, "the service account at exactly the level"],
    [70, owner, "else the most powerful local member"],
    [101, undefined, "nobody local is that powerful (remote members and the bot never act)"],
  ])("required %i → %p: %s", (required, expected) => {
    expect(chooseActor(levels, members, "home.org", service, bot, required)).toBe(expected);
  });

  test("room version 12: a creator acts, whatever the users map says", () => {
    const v12 = parsePowerLevels({ users: { "@mod:home.org": 50 } }, { sender: owner, roomVersion: "12" });
    expect(chooseActor(v12, [owner, "@mod:home.org"], "home.org", service, bot, 100)).toBe(owner);
  });
});
