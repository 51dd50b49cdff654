import { describe, expect, test } from "bun:test";
import type { WakeTarget } from "../../../src/catchup/targets.ts";
import { type WakeAnswer, type WakeIo, wakeAll, wakeServer } from "../../../src/catchup/wake.ts";

/** A scripted server: answers in order, a virtual clock that sleeping advances. */
function scripted(profile: WakeAnswer[], typing: WakeAnswer[] = []) {
  let clock = 0;
  const calls: string[] = [];
  const io: WakeIo = {
    async lookupProfile(userId) {
      calls.push(`profile ${userId}`);
      return profile.shift() ?? { kind: "unreachable", error: "502" };
    },
    async sendTyping(roomId) {
      calls.push(`typing ${roomId}`);
      return typing.shift() ?? { kind: "unreachable", error: "502" };
    },
    async sleep(ms) {
      calls.push(`sleep ${ms}`);
      clock += ms;
    },
    now: () => clock,
  };
  return { io, calls };
}

const target: WakeTarget = { server: "r.test", members: ["@a:r.test", "@b:r.test"], botRooms: ["!room"] };
const reached: WakeAnswer = { kind: "reached" };
const unreachable: WakeAnswer = { kind: "unreachable", error: "502 M_UNKNOWN" };
const refused: WakeAnswer = { kind: "refused", error: "403 M_FORBIDDEN" };
const limits = { rounds: 4, firstPauseMs: 1_000, budgetMs: 20_000 };

describe("wakeServer", () => {
  test("one profile lookup that reaches it is the whole wake", async () => {
    const { io, calls } = scripted([reached]);
    expect(await wakeServer(target, io, limits)).toEqual({ server: "r.test", woken: true, via: { method: "profile", userId: "@a:r.test" }, attempts: 1 });
    expect(calls).toEqual(["profile @a:r.test"]);
  });

  test("a refused lookup tries the next member", async () => {
    const { io, calls } = scripted([refused, reached]);
    expect((await wakeServer(target, io, limits)).via).toEqual({ method: "profile", userId: "@b:r.test" });
    expect(calls).toEqual(["profile @a:r.test", "profile @b:r.test"]);
  });

  test("every member refused: the typing notice is the fallback", async () => {
    const { io, calls } = scripted([refused, refused], [reached]);
    expect(await wakeServer(target, io, limits)).toMatchObject({ woken: true, via: { method: "typing", roomId: "!room" }, attempts: 3 });
    expect(calls.at(-1)).toBe("typing !room");
  });

  test("while it answers 502: bounded rounds with doubling pauses, then reached", async () => {
    const { io, calls } = scripted([unreachable, unreachable, reached]);
    expect(await wakeServer(target, io, limits)).toMatchObject({ woken: true, attempts: 3 });
    expect(calls).toEqual(["profile @a:r.test", "sleep 1000", "profile @a:r.test", "sleep 2000", "profile @a:r.test"]);
  });

  test("unreachable throughout: gives up after the rounds, saying why", async () => {
    const { io, calls } = scripted([]);
    const result = await wakeServer(target, io, limits);
    expect(result).toMatchObject({ woken: false, attempts: 4, error: "profile lookup of @a:r.test: 502" });
    expect(calls.filter((call) => call.startsWith("sleep"))).toEqual(["sleep 1000", "sleep 2000", "sleep 4000"]);
  });

  test("the time budget ends the rounds before the count does", async () => {
    const { io } = scripted([]);
    expect((await wakeServer(target, io, { rounds: 10, firstPauseMs: 1_000, budgetMs: 5_000 })).attempts).toBe(3);
  });

  test("no member and no shared room: nothing to try", async () => {
    const { io, calls } = scripted([]);
    expect(await wakeServer({ server: "x.test", members: [], botRooms: [] }, io, limits)).toMatchObject({ woken: false, attempts: 0 });
    expect(calls).toEqual([]);
  });
});

test("wakeAll keeps the targets' order", async () => {
  const { io } = scripted([reached, reached, reached]);
  const targets = ["a.test", "b.test", "c.test"].map((server) => ({ server, members: [`@u:${server}`], botRooms: [] }));
  expect((await wakeAll(targets, io, limits, 2)).map((result) => result.server)).toEqual(["a.test", "b.test", "c.test"]);
});
