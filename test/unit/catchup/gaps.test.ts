import { describe, expect, test } from "bun:test";
import { type Anchor, closeGaps, closeRoomGaps, type DagEvent, defaultGapLimits, fetchedActivity, type GapIo, judgeHistory } from "../../../src/catchup/gaps.ts";

/**
 * A room whose history is one chain of `length` events on the other server,
 * of which ours holds `held`, modelled on Synapse 1.163.2:
 * - `closest(ts, "f")` finds none locally after our newest, so it asks the
 *   other server and backfills its answer;
 * - `closest(now, "b")` asks the other server only when our newest by time
 *   has no successor and is not the room's forward extremity (the last event
 *   pushed to us);
 * - a page backfills up to 100 missing events below a hole it meets.
 */
function room(length: number, held: number[], options: { roomId?: string; sender?: (index: number) => string } = {}) {
  const roomId = options.roomId ?? "!a";
  const sender = options.sender ?? (() => "@c:r.test");
  const chain: DagEvent[] = Array.from({ length }, (_, index) => ({
    event_id: `$${roomId}${index}`,
    type: "m.room.message",
    sender: sender(index),
    origin_server_ts: 1_000 * (index + 1),
    depth: index + 1,
    prev_events: index ? [`$${roomId}${index - 1}`] : [],
    content: { body: `${index}` },
  }));
  const have = new Set(held);
  const forwardExtremity = Math.max(...held);
  const calls: string[] = [];
  const found = (index: number) => ({ eventId: chain[index]!.event_id, ts: chain[index]!.origin_server_ts });
  const indexOf = (eventId: string) => chain.findIndex((event) => event.event_id === eventId);
  const io: GapIo = {
    async newest() {
      return chain[Math.max(...have)];
    },
    async closest(_roomId, ts, dir) {
      calls.push(`closest ${dir}`);
      const mine = [...have].filter((index) => (dir === "f" ? chain[index]!.origin_server_ts >= ts : chain[index]!.origin_server_ts <= ts)).sort((a, b) => a - b);
      const local = dir === "f" ? mine[0] : mine.at(-1);
      const nextToForwardGap = dir === "b" && local !== undefined && local !== forwardExtremity && !have.has(local + 1);
      if (local !== undefined && !nextToForwardGap) return found(local);
      const theirs = chain.map((_, index) => index).filter((index) => (dir === "f" ? chain[index]!.origin_server_ts >= ts : chain[index]!.origin_server_ts <= ts));
      const remote = dir === "f" ? theirs[0] : theirs.at(-1);
      if (remote === undefined) return local === undefined ? undefined : found(local);
      have.add(remote);
      return found(remote);
    },
    async page(_roomId, from) {
      calls.push(`page ${from ?? "live"}`);
      const top = from === undefined ? Math.max(...have) : Number(from);
      // Backfill: the first hole below `top` is filled with up to 100 events.
      const hole = [...Array(top + 1).keys()].reverse().find((index) => !have.has(index));
      if (hole !== undefined) for (let index = hole; index > hole - 100 && index >= 0; index--) have.add(index);
      const page = [...have].filter((index) => index <= top).sort((a, b) => b - a).slice(0, 100);
      const last = page.at(-1);
      return { events: page.map((index) => chain[index]!), end: last === undefined || last === 0 ? undefined : String(last - 1) };
    },
    async held(eventId) {
      calls.push(`held ${eventId}`);
      return have.has(indexOf(eventId));
    },
    now: () => 10_000_000,
  };
  const anchorAt = (index: number): Anchor => ({ roomId, eventId: chain[index]!.event_id, depth: chain[index]!.depth });
  const ids = (from: number, to: number) => new Set(chain.slice(from, to + 1).map((event) => event.event_id));
  return { io, calls, chain, have, anchorAt, ids };
}

const arrived = (synced: Set<string> = new Set()) => ({ synced, ownServer: "home.test" });

describe("judgeHistory", () => {
  const event = (id: string, depth: number, prev: string[]): DagEvent => ({ event_id: id, type: "m.room.message", sender: "@c:r.test", origin_server_ts: depth, depth, prev_events: prev });
  test.each([
    ["nothing new", [event("$3", 3, ["$2"]), event("$2", 2, ["$1"])], { reachedAnchor: true, after: [], unresolved: [] }],
    ["two new, complete", [event("$5", 5, ["$4"]), event("$4", 4, ["$3"]), event("$3", 3, ["$2"])], { reachedAnchor: true, after: ["$5", "$4"], unresolved: [] }],
    ["a hole", [event("$5", 5, ["$4"]), event("$3", 3, ["$2"])], { reachedAnchor: true, after: ["$5"], unresolved: ["$4"] }],
    ["the anchor not reached", [event("$9", 9, ["$8"]), event("$8", 8, ["$7"])], { reachedAnchor: false, after: ["$9", "$8"], unresolved: ["$7"] }],
    ["passed below the anchor's depth without it", [event("$5", 5, ["$4"]), event("$4", 4, ["$x"]), event("$2", 2, ["$1"])], { reachedAnchor: true, after: ["$5", "$4"], unresolved: ["$x"] }],
  ] as const)("%s", (_label, events, expected) => {
    const judged = judgeHistory({ eventId: "$3", depth: 3 }, events);
    expect({ ...judged, after: judged.after.map((e) => e.event_id) }).toEqual({ ...expected, after: [...expected.after], unresolved: [...expected.unresolved] });
  });
});

describe("fetchedActivity", () => {
  test("the newest per sender and kind, as kick classifies them", () => {
    const base = { prev_events: [], depth: 1 };
    const events: DagEvent[] = [
      { ...base, event_id: "$1", type: "m.room.message", sender: "@d:r.test", origin_server_ts: 30 },
      { ...base, event_id: "$2", type: "m.room.message", sender: "@d:r.test", origin_server_ts: 20 },
      { ...base, event_id: "$3", type: "m.reaction", sender: "@d:r.test", origin_server_ts: 10 },
      { ...base, event_id: "$4", type: "m.room.topic", state_key: "", sender: "@e:r.test", origin_server_ts: 5 },
    ];
    expect(fetchedActivity("!a", events)).toEqual([
      { userId: "@d:r.test", source: "message", ts: 30, roomId: "!a" },
      { userId: "@d:r.test", source: "reaction", ts: 10, roomId: "!a" },
      { userId: "@e:r.test", source: "state", ts: 5, roomId: "!a" },
    ]);
  });
});

describe("closeRoomGaps", () => {
  test("no gap: nothing to report, two lookups and one page", async () => {
    const scene = room(30, [...Array(30).keys()]);
    expect(await closeRoomGaps(scene.anchorAt(29), arrived(), scene.io)).toEqual({ activity: [] });
    expect(scene.calls).toEqual(["closest b", "closest f", "page live"]);
  });

  test("a forward gap: the wake delivered up to 19, the other server holds up to 24; the newest are fetched, the middle backfilled", async () => {
    const scene = room(25, [...Array(20).keys()]);
    const result = await closeRoomGaps(scene.anchorAt(9), arrived(scene.ids(10, 19)), scene.io);
    expect(result.gap).toEqual({ roomId: "!a", forwardGap: true, eventsAfter: 15, fetched: 5, closed: true });
    expect(result.activity).toEqual([{ userId: "@c:r.test", source: "message", ts: 25_000, roomId: "!a" }]);
    // f finds 20 (the oldest missing); b then finds 24, their newest; b again finds 24 again: done.
    expect(scene.calls.slice(0, 4)).toEqual(["closest b", "closest f", "closest b", "closest b"]);
    expect([...Array(25).keys()].every((index) => scene.have.has(index))).toBe(true);
  });

  test("a backward gap: 10 arrived with their predecessors missing; scrolling back fills the 20 between", async () => {
    const scene = room(40, [...Array(10).keys(), ...Array.from({ length: 10 }, (_, i) => 30 + i)]);
    const result = await closeRoomGaps(scene.anchorAt(9), arrived(scene.ids(30, 39)), scene.io);
    expect(result.gap).toEqual({ roomId: "!a", forwardGap: false, eventsAfter: 30, fetched: 20, closed: true });
  });

  test("our own users' events were never fetched, and are no kick evidence from here", async () => {
    const scene = room(40, [...Array(10).keys(), ...Array.from({ length: 10 }, (_, i) => 30 + i)], { sender: (index) => (index % 2 ? "@o:home.test" : "@c:r.test") });
    const result = await closeRoomGaps(scene.anchorAt(9), arrived(scene.ids(30, 39)), scene.io);
    expect(result.gap).toMatchObject({ eventsAfter: 30, fetched: 10 });
    expect(result.activity.map((activity) => activity.userId)).toEqual(["@c:r.test"]);
  });

  test("not closed within the page limit, and said why", async () => {
    const scene = room(400, [0, 399]);
    const result = await closeRoomGaps(scene.anchorAt(0), arrived(scene.ids(399, 399)), scene.io, { ...defaultGapLimits, pagesPerRoom: 2 });
    expect(result.gap).toMatchObject({ closed: false, reason: "scrolling back 2 pages did not reach the last event held before" });
  });
});

describe("closeGaps", () => {
  test("rooms one after the other within the room cap; a failing room is reported, not thrown", async () => {
    const a = room(25, [...Array(20).keys()], { roomId: "!a" });
    const b = room(5, [0, 1, 2, 3, 4], { roomId: "!b" });
    const io: GapIo = {
      ...a.io,
      newest: (roomId) => (roomId === "!a" ? a.io : b.io).newest(roomId),
      closest: (roomId, ts, dir) => (roomId === "!a" ? a.io : b.io).closest(roomId, ts, dir),
      page: async (roomId, from) => {
        if (roomId === "!c") throw new Error("Synapse answered 403 M_FORBIDDEN\nmore");
        return (roomId === "!a" ? a.io : b.io).page(roomId, from);
      },
    };
    const anchors = [a.anchorAt(19), b.anchorAt(4), { roomId: "!c", eventId: "$c", depth: 1 }, { roomId: "!d", eventId: "$d", depth: 1 }];
    const outcome = await closeGaps(anchors, arrived(), io, { ...defaultGapLimits, rooms: 3 });
    expect(outcome.checked).toBe(3);
    expect(outcome.skipped).toBe(1);
    expect(outcome.rooms).toEqual([
      { roomId: "!a", forwardGap: true, eventsAfter: 5, fetched: 5, closed: true },
      { roomId: "!c", forwardGap: false, eventsAfter: 0, fetched: 0, closed: false, reason: "Synapse answered 403 M_FORBIDDEN" },
    ]);
  });

  test("no room starts after the time budget", async () => {
    let clock = 0;
    const scene = room(5, [0, 1, 2, 3, 4]);
    const io: GapIo = { ...scene.io, now: () => (clock += 40_000) };
    const outcome = await closeGaps([scene.anchorAt(4), scene.anchorAt(4), scene.anchorAt(4)], arrived(), io);
    expect(outcome.checked).toBeLessThan(3);
    expect(outcome.skipped).toBe(3 - outcome.checked);
  });
});
