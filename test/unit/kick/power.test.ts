import { describe, expect, test } from "bun:test";
import { assembleMembers, isLocalUser } from "../../../src/kick/members.ts";
import { canKick, neededBotLevel, parsePowerLevels, userLevel } from "../../../src/kick/power.ts";
import type { LedgerRoom } from "../../../src/kick/ledger-store.ts";

const bot = "@mxhome-bot:home.org";

describe("parsePowerLevels", () => {
  test("the spec's defaults for missing keys", () => {
    expect(parsePowerLevels({}, { sender: "@o:home.org", roomVersion: "10" })).toEqual({
      users: {},
      usersDefault: 0,
      kick: 50,
      invite: 0,
      powerLevelsEvent: 50,
      creators: [],
    });
  });

  test("old rooms' string levels are numbers", () => {
    const levels = parsePowerLevels({ users: { "@a:x": "75" }, kick: "40", users_default: "5", events: { "m.room.power_levels": "90" } }, undefined);
    expect(levels).toMatchObject({ users: { "@a:x": 75 }, kick: 40, usersDefault: 5, powerLevelsEvent: 90 });
  });

  test("without a power_levels event the creator has 100", () => {
    expect(userLevel(parsePowerLevels(undefined, { sender: "@o:x", roomVersion: "10" }), "@o:x")).toBe(100);
  });

  test("room version 12: creators outrank everyone, additional creators too", () => {
    const levels = parsePowerLevels({ users: { [bot]: 50 } }, { sender: "@o:x", roomVersion: "12", additionalCreators: ["@co:y"] });
    expect(levels.creators).toEqual(["@o:x", "@co:y"]);
    expect(userLevel(levels, "@o:x")).toBe(Number.POSITIVE_INFINITY);
    expect(userLevel(levels, "@co:y")).toBe(Number.POSITIVE_INFINITY);
    expect(canKick(levels, bot, "@o:x")).toBe(false);
  });
});

describe("canKick and the level the bot needs", () => {
  const levels = parsePowerLevels({ users: { [bot]: 50, "@mod:x": 50, "@helper:x": 49 }, kick: 50 }, { sender: "@o:x", roomVersion: "10" });
  test.each([
    ["a member at the default level", "@anyone:x", true],
    ["a member at 49", "@helper:x", true],
    ["an equal (a moderator at 50)", "@mod:x", false],
  ])("the bot at 50 and %s: %p", (_name, target, expected) => {
    expect(canKick(levels, bot, target)).toBe(expected);
  });

  test("below the room's kick level, the bot can kick nobody", () => {
    expect(canKick(parsePowerLevels({ users: { [bot]: 49 }, kick: 50 }, undefined), bot, "@anyone:x")).toBe(false);
  });

  test.each([
    [50, 50, 50],
    [75, 50, 75],
    [0, 50, 50],
    [50, 60, 60],
  ])("needed with kick level %i and exempt level %i: %i", (kick, exempt, expected) => {
    expect(neededBotLevel(parsePowerLevels({ kick }, undefined), exempt)).toBe(expected);
  });
});

describe("assembleMembers", () => {
  const rooms: LedgerRoom[] = [
    { roomId: "!space:home.org", isSpace: true, observedSince: 1, powerLevels: { users: { "@mod:home.org": 50 } }, create: { sender: "@o:home.org", roomVersion: "12" } },
    { roomId: "!a:home.org", isSpace: false, observedSince: 1, powerLevels: { users: { "@mod:home.org": 0, "@b:other.org": 20 } }, create: { sender: "@o:home.org", roomVersion: "12" } },
  ];
  const rows = [
    { userId: "@mod:home.org", roomId: "!a:home.org", membership: "join" as const, since: 10, firstObserved: 11 },
    { userId: "@b:other.org", roomId: "!a:home.org", membership: "join" as const, since: 12, firstObserved: 13 },
    { userId: "@b:other.org", roomId: "!space:home.org", membership: "invite" as const, since: 14, firstObserved: 15 },
    { userId: "@old:home.org", roomId: "!gone:home.org", membership: "join" as const, since: 1, firstObserved: 1 },
    { userId: "@o:home.org", roomId: "!space:home.org", membership: "join" as const, since: 1, firstObserved: 1 },
  ];
  const latest = new Map([["@b:other.org", { userId: "@b:other.org", source: "receipt" as const, ts: 99 }]]);

  test("highest level in any scope room, locality, admin status, rooms outside the scope ignored", () => {
    const members = assembleMembers(rows, latest, rooms, "home.org", new Map([["@mod:home.org", false]]));
    expect(members.map((member) => [member.userId, member.maxLevel, member.local, member.serverAdmin, member.memberships.length])).toEqual([
      ["@mod:home.org", 50, true, false, 1],
      ["@b:other.org", 20, false, false, 2],
      ["@o:home.org", Number.POSITIVE_INFINITY, true, undefined, 1],
    ]);
    expect(members[1]!.lastActivity).toEqual(latest.get("@b:other.org"));
  });

  test.each([
    ["@a:home.org", true],
    ["@a:home.org:8448", false],
    ["@a:localhost:8448", false],
    ["@a:evilhome.org", false],
  ])("%s is local to home.org: %p", (userId, expected) => {
    expect(isLocalUser(userId, "home.org")).toBe(expected);
  });

  test("server names with ports", () => {
    expect(isLocalUser("@a:localhost:8448", "localhost:8448")).toBe(true);
  });
});
