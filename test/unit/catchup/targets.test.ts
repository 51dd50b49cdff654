import { describe, expect, test } from "bun:test";
import { gapRooms, planWakeTargets, serverOf } from "../../../src/catchup/targets.ts";

const bot = "@mxhome-bot:home.test";

describe("serverOf", () => {
  test.each([
    ["@carol:remote.test", "remote.test"],
    ["@carol:localhost:8448", "localhost:8448"],
    ["nobody", ""],
  ])("%s → %s", (userId, server) => expect(serverOf(userId)).toBe(server));
});

describe("planWakeTargets", () => {
  test("one target per other server, the Space's rooms first, our own server left out", () => {
    const targets = planWakeTargets(
      [
        { roomId: "!dm", inSpace: false, members: ["@owner:home.test", "@x:other.test"] },
        { roomId: "!space", inSpace: true, members: ["@owner:home.test", bot, "@a:remote.test", "@b:remote.test"] },
      ],
      "home.test",
      bot,
    );
    expect(targets).toEqual([
      { server: "remote.test", members: ["@a:remote.test", "@b:remote.test"], botRooms: ["!space"] },
      { server: "other.test", members: ["@x:other.test"], botRooms: [] },
    ]);
  });

  test("a few members per server and every room shared with the bot", () => {
    const members = ["@a:r.test", "@b:r.test", "@c:r.test", "@d:r.test"];
    const targets = planWakeTargets(
      [
        { roomId: "!one", inSpace: true, members: [bot, ...members] },
        { roomId: "!two", inSpace: true, members: [bot, "@a:r.test"] },
      ],
      "home.test",
      bot,
    );
    expect(targets).toEqual([{ server: "r.test", members: members.slice(0, 3), botRooms: ["!one", "!two"] }]);
  });

  test("capped: servers past the cap are left out, the Space's kept", () => {
    const rooms = [
      { roomId: "!outside", inSpace: false, members: ["@a:late.test"] },
      { roomId: "!space", inSpace: true, members: ["@a:s1.test", "@a:s2.test"] },
    ];
    expect(planWakeTargets(rooms, "home.test", bot, 2).map((target) => target.server)).toEqual(["s1.test", "s2.test"]);
  });

  test("no other server: nothing to wake", () => {
    expect(planWakeTargets([{ roomId: "!r", inSpace: true, members: ["@owner:home.test", bot] }], "home.test", bot)).toEqual([]);
  });
});

describe("gapRooms", () => {
  test("the bot's rooms shared with the given servers, in the targets' order, each once", () => {
    const targets = [
      { server: "s1.test", members: ["@a:s1.test"], botRooms: ["!space", "!lounge"] },
      { server: "s2.test", members: ["@a:s2.test"], botRooms: ["!lounge", "!games"] },
      { server: "down.test", members: ["@a:down.test"], botRooms: ["!quiet"] },
      { server: "s3.test", members: ["@a:s3.test"], botRooms: [] },
    ];
    expect(gapRooms(targets, new Set(["s1.test", "s2.test", "s3.test"]))).toEqual(["!space", "!lounge", "!games"]);
    expect(gapRooms(targets, new Set())).toEqual([]);
  });
});
