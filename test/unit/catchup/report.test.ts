import { describe, expect, test } from "bun:test";
import { formatCatchUpReport, summarizeCatchUp } from "../../../src/catchup/format.ts";
import { type CatchUpReport, carryActivity } from "../../../src/catchup/report.ts";
import { noteArrivals, type Arrivals } from "../../../src/catchup/watch.ts";
import { judgeLastCatchUp } from "../../../src/doctor/checks/jobs/last-catch-up.ts";

const report = (servers: CatchUpReport["servers"], limitedRooms: string[] = []): CatchUpReport => ({ startedAt: "2026-12-01T10:00:00.000Z", rooms: 4, servers, watchedForMs: 30_000, limitedRooms, fetchedActivity: [] });

describe("noteArrivals", () => {
  test("the first event per watched server counts, and limited timelines are noted", () => {
    const arrivals: Arrivals = { firstEventMs: {}, oldestEventTs: {}, limitedRooms: [], synced: new Set() };
    const watched = new Set(["r.test"]);
    noteArrivals(arrivals, { next_batch: "s1", rooms: { join: { "!a": { timeline: { events: [{ sender: "@me:home.test" }, { sender: "@x:other.test" }] } } } } }, watched, 100);
    expect(arrivals.firstEventMs).toEqual({});
    noteArrivals(arrivals, { next_batch: "s2", rooms: { join: { "!a": { timeline: { limited: true, events: [{ event_id: "$5", sender: "@c:r.test", origin_server_ts: 5_000 }] } } } } }, watched, 700);
    noteArrivals(arrivals, { next_batch: "s3", rooms: { join: { "!a": { timeline: { limited: true, events: [{ sender: "@c:r.test", origin_server_ts: 4_000 }, { sender: "@d:r.test", origin_server_ts: 6_000 }] } } } } }, watched, 900);
    expect(arrivals).toEqual({ firstEventMs: { "r.test": 700 }, oldestEventTs: { "r.test": 4_000 }, limitedRooms: ["!a"], synced: new Set(["$5"]) });
  });
});

describe("summary and report", () => {
  test("nothing to wake", () => {
    expect(summarizeCatchUp({ ...report([]), watchedForMs: 0 })).toBe("no other server shares a room with us (4 rooms)");
    expect(summarizeCatchUp({ ...report([]), rooms: 0, notSetUp: true })).toBe("nothing to wake yet: mxhome's accounts don't exist until the first `mxhome up` creates them");
  });

  test("woken servers with and without events", () => {
    const done = report(
      [
        { server: "r.test", woken: true, via: { method: "profile", userId: "@c:r.test" }, attempts: 1, watched: true, firstEventMs: 800 },
        { server: "q.test", woken: true, via: { method: "typing", roomId: "!a" }, attempts: 3, watched: true },
        { server: "z.test", woken: false, attempts: 4, error: "profile lookup of @z:z.test: 502", watched: false },
      ],
      ["!a"],
    );
    expect(summarizeCatchUp(done)).toBe("woke 2 of 3 servers; events from 1 within 30.0 s (first after 0.8 s); 1 rooms came back limited");
    const text = formatCatchUpReport(done, false);
    expect(text).toContain("r.test: woken (profile lookup); first event after 0.8 s");
    expect(text).toContain("q.test: woken (typing notice); no event within 30.0 s");
    expect(text).toContain("z.test: not woken after 4 requests (profile lookup of @z:z.test: 502)");
  });
});

describe("gaps in the report", () => {
  const woken = report([{ server: "r.test", woken: true, via: { method: "profile", userId: "@c:r.test" }, attempts: 1, watched: true, firstEventMs: 800 }]);
  test.each([
    ["no gap", { checked: 3, skipped: 0, rooms: [], fetched: 0 }, "; no gap in 3 rooms"],
    ["closed", { checked: 3, skipped: 0, rooms: [{ roomId: "!a", forwardGap: true, eventsAfter: 25, fetched: 5, closed: true }], fetched: 5 }, "; gaps in 1 of 3 rooms: 5 events fetched, all closed"],
    [
      "one not closed, one room over the limits",
      { checked: 2, skipped: 1, rooms: [{ roomId: "!a", forwardGap: false, eventsAfter: 9, fetched: 3, closed: false, reason: "2 earlier events still missing" }], fetched: 3 },
      "; gaps in 1 of 2 rooms: 3 events fetched, 1 not closed (1 rooms not checked: over the limits)",
    ],
  ] as const)("%s", (_label, gaps, tail) => {
    const done = { ...woken, gaps: { ...gaps, rooms: [...gaps.rooms] } };
    expect(summarizeCatchUp(done)).toBe(`woke 1 of 1 servers; events from 1 within 30.0 s (first after 0.8 s)${tail}`);
  });

  test("each room with a gap gets a line, saying whether it is closed", () => {
    const text = formatCatchUpReport(
      {
        ...woken,
        gaps: {
          checked: 2,
          skipped: 0,
          fetched: 8,
          rooms: [
            { roomId: "!a", forwardGap: true, eventsAfter: 25, fetched: 5, closed: true },
            { roomId: "!b", forwardGap: false, eventsAfter: 9, fetched: 3, closed: false, reason: "2 earlier events still missing" },
          ],
        },
      },
      false,
    );
    expect(text).toStartWith("WARN Catch-up:");
    expect(text).toContain("!a: its newest events were missing; 5 of 25 events since the outage fetched; closed: scrolling back shows every event, in order.");
    expect(text).toContain("!b: 3 of 9 events since the outage fetched; not closed: 2 earlier events still missing; scrolling back in a client retries.");
  });
});

describe("carryActivity", () => {
  const day = 86_400_000;
  test("keeps the newest per user, kind and room, drops what kick can no longer need, caps", () => {
    const previous = [
      { userId: "@d:r.test", source: "message" as const, ts: 10 * day, roomId: "!a" },
      { userId: "@e:r.test", source: "message" as const, ts: 1 * day, roomId: "!a" },
      { userId: "@f:r.test", source: "reaction" as const, ts: 9 * day, roomId: "!a" },
    ];
    const current = [
      { userId: "@d:r.test", source: "message" as const, ts: 12 * day, roomId: "!a" },
      { userId: "@d:r.test", source: "message" as const, ts: 11 * day, roomId: "!b" },
    ];
    expect(carryActivity(previous, current, 5 * day)).toEqual([current[0]!, current[1]!, previous[2]!]);
    expect(carryActivity(previous, current, 5 * day, 2)).toEqual([current[0]!, current[1]!]);
    expect(carryActivity(current, [], 5 * day)).toEqual(current);
  });
});

describe("judgeLastCatchUp", () => {
  const record = { command: "catch-up", startedAt: "2026-12-01T10:00:00.000Z", finishedAt: "2026-12-01T10:00:31.000Z", summary: "woke 1 of 1 servers" };
  test.each([
    ["never ran", undefined, "info"],
    ["woke every server", { ...record, ok: true }, "ok"],
    ["some server not woken", { ...record, ok: false }, "warn"],
  ] as const)("%s → %s", (_label, input, status) => expect(judgeLastCatchUp(input).status).toBe(status));

  test("a gap left open is named, with what fills it", () => {
    const verdict = judgeLastCatchUp({ ...record, ok: false, report: { servers: [{ server: "r.test", woken: true }], gaps: { rooms: [{ roomId: "!a", closed: false }, { roomId: "!b", closed: true }] } } });
    expect(verdict.status).toBe("warn");
    expect(verdict.detail).toContain("left gaps in the history of !a:");
    expect(verdict.status === "warn" && verdict.fix).toContain("scrolling back in those rooms");
  });
});
