import { describe, expect, test } from "bun:test";
import { resolveCutoff } from "../../../src/purge/cutoff.ts";
import { formatPurgeReport, summarizePurge } from "../../../src/purge/report.ts";
import { emptyReport } from "../../../src/purge/run.ts";
import type { PurgeContext } from "../../../src/purge/context.ts";
import type { PurgeReport } from "../../../src/purge/types.ts";

const now = new Date("2025-06-15T12:00:00.000Z");
const MB = 1024 * 1024;

function report(change: (report: PurgeReport) => void, dryRun = false): PurgeReport {
  const options = { dryRun, vacuumFull: false, cutoff: resolveCutoff({ now, retentionDays: 14 }) } as PurgeContext["options"];
  const result = emptyReport({ options } as PurgeContext, now);
  change(result);
  return result;
}

const finished = report((r) => {
  r.ok = true;
  Object.assign(r.steps.deadRooms, { status: "done", durationMs: 400, deleted: 1, events: 312, rooms: [{ roomId: "!old:x", name: "Old", alias: null, remoteMembers: 0 }] });
  Object.assign(r.steps.history, { status: "done", durationMs: 2100, rooms: 40, roomsPurged: 12, events: 1204 });
  Object.assign(r.steps.media, { status: "done", durationMs: 300, local: { items: 37, bytes: 12.4 * MB }, remote: { items: 2, bytes: 2048 } });
  Object.assign(r.steps.space, { status: "done", durationMs: 1200, emptyDirectories: 14 });
  r.sizes = { databaseBytes: { before: 120 * MB, after: 118 * MB }, mediaStoreBytes: { before: 400 * MB, after: 388 * MB } };
});

describe("formatPurgeReport", () => {
  test("a finished run: one line per step, sizes before and after, the deleted rooms", () => {
    expect(formatPurgeReport(finished, false)).toBe(
      [
        "mxhome purge",
        "Cut-off 2025-06-01 12:00:00 UTC: what was last used before it goes (older than 14d, [retention] days, counted back from 2025-06-15 12:00:00 UTC).",
        "",
        "OK  dead rooms  done  1 room (312 events)                                     0.4 s",
        "OK  history     done  1,204 events in 12 of 40 rooms                          2.1 s",
        "OK  media       done  37 local files (12 MB), 2 cached remote files (2.0 KB)  0.3 s",
        "OK  space       done  VACUUM, 14 empty directories removed                    1.2 s",
        "",
        "database     120 MB → 118 MB",
        "media store  400 MB → 388 MB",
        "",
        "Deleted (no local user was in them):",
        '  !old:x "Old"',
        "",
        "A plain VACUUM makes the freed space reusable; the files shrink only with --vacuum-full.",
      ].join("\n"),
    );
  });

  test("a dry run says nothing changed, shows what would go, and why dead rooms wait", () => {
    const dry = report((r) => {
      r.ok = true;
      Object.assign(r.steps.deadRooms, {
        status: "skipped",
        note: "needs a yes",
        rooms: [{ roomId: "!old:x", name: null, alias: "#old:x", remoteMembers: 2 }],
      });
      Object.assign(r.steps.history, { status: "planned", rooms: 3, roomsPurged: 1, events: 1 });
      Object.assign(r.steps.media, { status: "nothing" });
      Object.assign(r.steps.space, { status: "planned" });
      r.sizes.databaseBytes.before = 14 * MB;
      r.sizes.mediaStoreBytes.before = 4096;
    }, true);
    const text = formatPurgeReport(dry, false);
    expect(text).toStartWith("mxhome purge --dry-run: nothing was changed; this is what would go.");
    expect(text).toContain("WARN  dead rooms  skipped");
    expect(text).toContain("INFO  history     would go       1 event in 1 of 3 rooms");
    expect(text).toMatch(/OK {4}media {7}nothing to do\n/);
    expect(text).toContain("would run      VACUUM, 0 empty directories in the media store now");
    expect(text).toContain("database     14 MB\nmedia store  4.0 KB");
    expect(text).toContain("Kept for now (no local user is in them):\n  !old:x #old:x (2 remote members)");
    expect(text).toContain("dead rooms: needs a yes");
    expect(text).not.toContain("VACUUM makes");
  });

  test("a failed run marks the failing step and leaves the rest not run", () => {
    const failed = report((r) => {
      Object.assign(r.steps.deadRooms, { status: "done" });
      Object.assign(r.steps.history, { status: "failed", error: "Could not reach Synapse", failures: [{ roomId: "!a:x", error: "boom" }] });
      r.sizes.databaseBytes.before = MB;
      r.error = { message: "Could not reach Synapse", code: "synapse.unreachable" };
    });
    const text = formatPurgeReport(failed, false);
    expect(text).toContain("FAIL  history");
    expect(text).toMatch(/SKIP {2}media {7}not run\n/);
    expect(text).toContain("history: Could not reach Synapse");
    expect(text).toContain("  !a:x: boom");
    expect(text).toContain("database     1.0 MB\nmedia store  unknown");
  });

  test("color adds icons and bold, NO_COLOR gives plain words", () => {
    expect(formatPurgeReport(finished, true)).toContain("\x1b[32m✔\x1b[0m");
    expect(formatPurgeReport(finished, false)).not.toContain("\x1b[");
  });
});

describe("summarizePurge", () => {
  test.each([
    ["a finished run", finished, "removed 1,204 events, 39 media files (12 MB), 1 dead room; database 120 MB → 118 MB"],
    ["a dry run", report((r) => (r.ok = true), true), "would remove 0 events, 0 media files (0 B), 0 dead rooms"],
    [
      "a run that stopped",
      report((r) => (r.error = { message: "Could not reach Synapse for GET /x: refused\nmore", code: "synapse.unreachable" })),
      "Could not reach Synapse for GET /x: refused",
    ],
    [
      "a run where some rooms failed",
      report((r) => {
        Object.assign(r.steps.space, { status: "done" });
        r.error = { message: "2 room(s) could not be purged; the rest of the run completed.", code: "purge.rooms-failed" };
      }),
      "removed 0 events, 0 media files (0 B), 0 dead rooms (2 room(s) could not be purged; the rest of the run completed.)",
    ],
  ])("%s", (_name, value, line) => expect(summarizePurge(value)).toBe(line));
});
