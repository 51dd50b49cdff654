import { describe, expect, test } from "bun:test";
import { formatCatchUpReport, summarizeCatchUp } from "../../../src/catchup/format.ts";
import { type CatchUpReport, mayHaveStoppedQueueing } from "../../../src/catchup/report.ts";
import { noteArrivals, type Arrivals } from "../../../src/catchup/watch.ts";
import { judgeLastCatchUp } from "../../../src/doctor/checks/jobs/last-catch-up.ts";

const report = (servers: CatchUpReport["servers"], limitedRooms: string[] = []): CatchUpReport => ({ startedAt: "2026-12-01T10:00:00.000Z", rooms: 4, servers, watchedForMs: 30_000, limitedRooms });

describe("noteArrivals", () => {
  test("the first event per watched server counts, and limited timelines are noted", () => {
    const arrivals: Arrivals = { firstEventMs: {}, oldestEventTs: {}, limitedRooms: [] };
    const watched = new Set(["r.test"]);
    noteArrivals(arrivals, { next_batch: "s1", rooms: { join: { "!a": { timeline: { events: [{ sender: "@me:home.test" }, { sender: "@x:other.test" }] } } } } }, watched, 100);
    expect(arrivals.firstEventMs).toEqual({});
    noteArrivals(arrivals, { next_batch: "s2", rooms: { join: { "!a": { timeline: { limited: true, events: [{ sender: "@c:r.test", origin_server_ts: 5_000 }] } } } } }, watched, 700);
    noteArrivals(arrivals, { next_batch: "s3", rooms: { join: { "!a": { timeline: { limited: true, events: [{ sender: "@c:r.test", origin_server_ts: 4_000 }, { sender: "@d:r.test", origin_server_ts: 6_000 }] } } } } }, watched, 900);
    expect(arrivals).toEqual({ firstEventMs: { "r.test": 700 }, oldestEventTs: { "r.test": 4_000 }, limitedRooms: ["!a"] });
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

describe("a long outage: the newest messages may be missing", () => {
  const wokenAt = Date.parse("2026-12-02T08:00:00.000Z");
  test.each([
    ["queued for 10 min", 10, false],
    ["queued for 25 min", 25, false],
    ["queued for 26 min", 26, true],
    ["queued all night", 9 * 60, true],
  ] as const)("%s → %p", (_label, minutes, expected) => {
    expect(mayHaveStoppedQueueing(wokenAt - minutes * 60_000, wokenAt)).toBe(expected);
  });

  test("the report says so, naming when that server started queueing", () => {
    const done = report([
      { server: "r.test", woken: true, via: { method: "profile", userId: "@c:r.test" }, attempts: 1, watched: true, firstEventMs: 800, queuedSince: "2026-12-01T23:10:00.000Z", newestMayBeMissing: true },
    ]);
    expect(summarizeCatchUp(done)).toContain("1 had queued for over 25 min: their newest messages may come only when someone there writes again");
    expect(formatCatchUpReport(done, false)).toContain("it had queued for us since 2026-12-01 23:10 UTC");
  });
});

describe("judgeLastCatchUp", () => {
  const record = { command: "catch-up", startedAt: "2026-12-01T10:00:00.000Z", finishedAt: "2026-12-01T10:00:31.000Z", summary: "woke 1 of 1 servers" };
  test.each([
    ["never ran", undefined, "info"],
    ["woke every server", { ...record, ok: true }, "ok"],
    ["some server not woken", { ...record, ok: false }, "warn"],
    ["a server's newest messages may be missing", { ...record, ok: true, report: { servers: [{ server: "r.test", newestMayBeMissing: true }] } }, "info"],
  ] as const)("%s → %s", (_label, input, status) => expect(judgeLastCatchUp(input).status).toBe(status));
});
