import { describe, expect, test } from "bun:test";
import {
  actionLevel,
  creatorsHavePower,
  formatLevel,
  matchesUserPattern,
  neededBotLevel,
  privilegedUsers,
  serverOf,
  stateEventLevel,
  supportsRestrictedJoins,
  userLevel,
} from "../../../src/space/power.ts";
import { bot, levels, owner, room } from "./_rooms.ts";

describe("room versions", () => {
  test.each([
    ["1", false, false],
    ["7", false, false],
    ["8", false, true],
    ["10", false, true],
    ["11", false, true],
    ["12", true, true],
    ["13", true, true],
    ["org.matrix.hydra.11", true, false],
    ["org.matrix.msc1234", false, false],
  ] as const)("version %s: creators above all %p, restricted joins %p", (version, creators, restricted) => {
    expect(creatorsHavePower(version)).toBe(creators);
    expect(supportsRestrictedJoins(version)).toBe(restricted);
  });
});

describe("userLevel", () => {
  test.each([
    ["a creator in version 12", room("!r:x", {}), owner, Number.POSITIVE_INFINITY],
    ["a creator in version 10 counts by the users map", room("!r:x", { roomVersion: "10", powerLevels: levels({ [owner]: 100 }) }), owner, 100],
    ["the bot", room("!r:x"), bot, 50],
    ["anyone else: users_default", room("!r:x", { powerLevels: levels({}, { users_default: 10 }) }), "@x:y", 10],
    ["no power_levels event: the creator has 100", room("!r:x", { roomVersion: "10", powerLevels: undefined }), owner, 100],
    ["no power_levels event: others 0", room("!r:x", { roomVersion: "10", powerLevels: undefined }), "@x:y", 0],
  ] as const)("%s", (_name, snapshot, userId, expected) => expect(userLevel(snapshot, userId)).toBe(expected));
});

describe("levels of actions and events", () => {
  test("unset actions take the spec's defaults; set ones are read", () => {
    const bare = room("!r:x", { powerLevels: {} });
    expect([actionLevel(bare, "kick"), actionLevel(bare, "ban"), actionLevel(bare, "redact"), actionLevel(bare, "invite")]).toEqual([50, 50, 50, 0]);
    expect(actionLevel(room("!r:x", { powerLevels: levels({}, { kick: 30 }) }), "kick")).toBe(30);
  });

  test("state events: per type, else state_default; 0 without a power_levels event", () => {
    const snapshot = room("!r:x", { powerLevels: levels({}, { events: { "m.room.power_levels": 100 }, state_default: 60 }) });
    expect(stateEventLevel(snapshot, "m.room.power_levels")).toBe(100);
    expect(stateEventLevel(snapshot, "m.room.topic")).toBe(60);
    expect(stateEventLevel(room("!r:x", { powerLevels: undefined }), "m.room.topic")).toBe(0);
  });

  test.each([
    [50, 50, 50],
    [30, 50, 50],
    [50, 75, 75],
    [75, 50, 75],
  ] as const)("the bot needs max(kick %d, exempt level %d) = %d", (kick, exempt, needed) => {
    expect(neededBotLevel(room("!r:x", { powerLevels: levels({}, { kick }) }), exempt)).toBe(needed);
  });
});

test("privilegedUsers: creators and explicit levels above the default, highest first", () => {
  const snapshot = room("!r:x", { powerLevels: levels({ [bot]: 50, "@mod:y.org": 50, "@plain:x": 0, "@muted:x": -1 }) });
  expect(privilegedUsers(snapshot)).toEqual([
    { userId: owner, level: Number.POSITIVE_INFINITY },
    { userId: "@mod:y.org", level: 50 },
    { userId: bot, level: 50 },
    { userId: "@muted:x", level: -1 },
  ]);
  expect(privilegedUsers(room("!r:x", { roomVersion: "10", powerLevels: levels({ [owner]: 100 }) }))).toEqual([{ userId: owner, level: 100 }]);
});

describe("user patterns and names", () => {
  test.each([
    ["@me:other.org", "@me:other.org", true],
    ["@me:other.org", "@me:other.org.evil", false],
    ["@*:other.org", "@anyone:other.org", true],
    ["@*:other.org", "@anyone:another.org", false],
    ["@me:*", "@me:a.b:8448", true],
    ["@m.e:x.org", "@mxe:x.org", false],
  ] as const)("%s matches %s: %p", (pattern, userId, expected) => expect(matchesUserPattern(pattern, userId)).toBe(expected));

  test("serverOf keeps the port; formatLevel names creators", () => {
    expect(serverOf("@alice:example.org:8448")).toBe("example.org:8448");
    expect(formatLevel(50)).toBe("50");
    expect(formatLevel(Number.POSITIVE_INFINITY)).toBe("creator (above 100)");
  });
});
