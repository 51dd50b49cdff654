import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolvePaths } from "../../../src/config/paths.ts";
import { formatStatus, headline } from "../../../src/status/format.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import { parseKbField, parseProcStat, processTree, treeMemoryBytes } from "../../../src/status/proc.ts";
import type { ServerStatus } from "../../../src/status/types.ts";

const now = new Date("2026-09-15T12:00:00Z");

describe("/proc parsing", () => {
  test("stat fields after a command name with spaces and parentheses", () => {
    // Recorded from a Synapse process; comm is truncated to 15 characters.
    const stat = "2411 (python -m synap) S 1 2411 2411 0 -1 4194560 101455 0 12 0 2375 341 0 0 20 0 12 0 52317 1231794176 25319 18446744073709551615 1 1 0 0 0 0 0 16781312 17642 0 0 0 17 3 0 0 0 0 0";
    expect(parseProcStat(stat)).toEqual({ ppid: 1, session: 2411, startTicks: 52317 });
    expect(parseProcStat("7 (a) (b)) R 3 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 999 0 0")).toEqual({ ppid: 3, session: 7, startTicks: 999 });
  });

  test("memory fields", () => {
    expect(parseKbField("Name:\tpostgres\nVmRSS:\t   30100 kB\nRssAnon:\t    4100 kB\n", "RssAnon")).toBe(4100 * 1024);
    expect(parseKbField("", "RssFile")).toBeUndefined();
  });

  test("a tree's memory: private memory of each, binary and shared buffers once", () => {
    const status = (anon: number, file: number, shmem: number) => `VmRSS:\t${anon + file + shmem} kB\nRssAnon:\t${anon} kB\nRssFile:\t${file} kB\nRssShmem:\t${shmem} kB\n`;
    // A postmaster and two backends, each mapping the 8 MB binary and touching shared buffers.
    expect(treeMemoryBytes([status(2000, 8000, 1000), status(3000, 8000, 30000), status(1000, 7000, 5000)])).toBe((6000 + 8000 + 30000) * 1024);
    expect(treeMemoryBytes([status(89044, 33372, 0)])).toBe((89044 + 33372) * 1024);
    expect(treeMemoryBytes(["", ""])).toBeUndefined();
  });

  test("a postmaster's backends belong to it, others don't", () => {
    const parents = new Map([[100, 1], [101, 100], [102, 100], [103, 102], [200, 1], [201, 200]]);
    expect(processTree(100, parents).sort()).toEqual([100, 101, 102, 103]);
  });
});

const up: ServerStatus = {
  configured: true,
  serverName: "pc.tail1234.ts.net",
  publicUrl: "https://pc.tail1234.ts.net",
  runtime: "native",
  services: [
    { service: "postgres", state: "running", pid: 11, since: now.getTime() - 3 * 3_600_000, memoryBytes: 40 * 1024 ** 2 },
    { service: "synapse", state: "running", pid: 12, since: now.getTime() - 3 * 3_600_000, memoryBytes: 300 * 1024 ** 2 },
    { service: "caddy", state: "running", pid: 13, since: now.getTime() - 60_000, memoryBytes: 20 * 1024 ** 2 },
  ],
  workers: [],
  synapse: { healthy: true, version: "1.163.2" },
  behindPins: [],
  counts: { users: 5, rooms: 4 },
  sizes: { databaseBytes: 14 * 1024 ** 2, mediaBytes: 3 * 1024 ** 3 },
  lastRuns: { purge: { finishedAt: "2026-09-01T00:12:55.000Z", ok: true, summary: "purged 1,204 events, 37 media (12.4 MB)" } },
  timers: [{ job: "purge", state: "scheduled", next: "2026-10-01T00:41:13.000Z" }, { job: "kick", state: "unknown" }],
  backup: { scheduled: true, newest: { createdAt: "2026-09-12T03:00:00.000Z", bytes: 27 * 1024 ** 2, encrypted: true }, ageDays: 3 },
};

describe("the screen", () => {
  test("up", () => {
    const text = formatStatus(up, { color: false, now });
    expect(text).toContain("OK The homeserver is up.");
    expect(text).toMatch(/synapse +running +up 3 h +300 MB/);
    expect(text).toContain("5 local users (mxhome's own 2 included), 4 rooms");
    expect(text).toContain("database 14 MB, media 3.0 GB");
    expect(text).toContain("purge: ok 2026-09-01 00:12 UTC (14 d 11 h ago), purged 1,204 events");
    expect(text).toContain("kick: never");
    expect(text).not.toContain("kick preview");
    expect(text).toContain("purge: 2026-10-01 00:41 UTC (in 15 d 12 h)");
    expect(text).toContain("kick: not scheduled (no user systemd)");
    expect(text).not.toContain("\x1b[");
    expect(text).not.toContain("Upgrade");
  });

  test("workers: Redis and each worker with its health; a down one makes the server DOWN", () => {
    const workers = [
      { name: "redis", state: "running" as const, healthy: true, wanted: true, pid: 20 },
      { name: "worker1", state: "running" as const, healthy: true, wanted: true, pid: 21, port: 8101 },
    ];
    const text = formatStatus({ ...up, workers }, { color: false, now });
    expect(text).toMatch(/OK +redis +healthy/);
    expect(text).toMatch(/OK +synapse worker1 +healthy +127\.0\.0\.1:8101/);
    const died = { ...up, workers: [workers[0]!, { ...workers[1]!, state: "died" as const, healthy: false }] };
    expect(headline(died)).toMatchObject({ up: false, text: expect.stringContaining("worker1 is stopped unexpectedly") });
    // podman: each row names its unit.
    const podman = workers.map((worker) => ({ ...worker, unit: worker.name === "redis" ? "mxhome-redis.service" : "mxhome-synapse-worker1.service" }));
    expect(formatStatus({ ...up, runtime: "podman", workers: podman }, { color: false, now })).toMatch(/OK +synapse worker1 +healthy +127\.0\.0\.1:8101 +mxhome-synapse-worker1\.service/);
  });

  test("what is deployed older than this mxhome pins, and the command that says more", () => {
    const behind = { ...up, behindPins: [{ component: "synapse", kind: "forward", from: "1.161.0", to: "1.163.2" }, { component: "postgres", kind: "major", from: "15", to: "17" }] } satisfies ServerStatus;
    expect(formatStatus(behind, { color: false, now })).toMatch(/Upgrade +Synapse 1\.161\.0 → 1\.163\.2, PostgreSQL 15 → 17 \(major\): `mxhome upgrade --check`/);
  });

  test.each([
    ["Synapse stopped", { ...up, services: up.services.map((s) => (s.service === "synapse" ? { service: s.service, state: "stopped" as const } : s)), synapse: { healthy: false } }, "synapse is stopped"],
    ["everything stopped", { ...up, services: up.services.map((s) => ({ service: s.service, state: "stopped" as const })), synapse: { healthy: false } }, "nothing is running"],
    ["running but not healthy", { ...up, synapse: { healthy: false, version: "1.163.2" } }, "Synapse does not answer /health"],
  ])("down: %s", (_name, report, text) => {
    const verdict = headline(report);
    expect(verdict.up).toBe(false);
    expect(verdict.text).toContain(text);
    expect(verdict.text).toContain("mxhome up");
    const screen = formatStatus(report, { color: false, now });
    expect(screen).toContain("FAIL The homeserver is DOWN");
  });

  test("a failed unit is named with its last journal lines", () => {
    // Recorded in the podman box: Synapse 1.163.2 with `listeners: not-a-list` in the overrides.
    const lastLines = ["Error in configuration at 'listeners':", "  Expected a list"];
    const failed = { ...up, services: up.services.map((s) => (s.service === "synapse" ? { service: s.service, state: "failed" as const, unit: "mxhome-synapse.service", lastLines } : s)) };
    const screen = formatStatus(failed, { color: false, now });
    expect(screen).toContain("synapse (mxhome-synapse.service) failed; its last lines:\n  Error in configuration at 'listeners':\n    Expected a list\n  fix: mxhome up");
  });

  test.each([
    ["a recent backup", up.backup, "newest 3 d ago (27 MB, encrypted), weekly timer on"],
    ["none yet, no timer", { scheduled: false }, "none yet: run `mxhome backup` (no timer, since [backup] enabled = false)"],
    [
      "none yet after a restore: names the archive it came from",
      { scheduled: true, restoredFrom: { archive: "/media/usb/old.mxhome.tar", finishedAt: "2026-09-15T11:00:00.000Z" } },
      "none yet since the restore from /media/usb/old.mxhome.tar 2026-09-15 11:00 UTC (1 h ago): run `mxhome backup` (weekly timer on)",
    ],
    [
      "the last run failed",
      { ...up.backup, lastRun: { ok: false, finishedAt: "2026-09-15T03:00:00.000Z", summary: "disk full" } },
      "the last run FAILED 2026-09-15 03:00 UTC (9 h ago): disk full",
    ],
  ])("backup: %s", (_name, backup, text) => {
    expect(formatStatus({ ...up, backup }, { color: false, now })).toContain(text);
  });

  test("a kick preview is shown apart from the last kick run, never as it", () => {
    const lastRuns = {
      kick: { finishedAt: "2026-09-15T03:00:00.000Z", ok: true, summary: "observed 3 rooms, 12 events" },
      kickPreview: { finishedAt: "2026-09-15T11:00:00.000Z", ok: true, summary: "observed 3 rooms, 0 events; preview: as of 2030-01-31, would remove 3 members of 3" },
    };
    const text = formatStatus({ ...up, lastRuns }, { color: false, now });
    expect(text).toContain("kick: ok 2026-09-15 03:00 UTC (9 h ago), observed 3 rooms, 12 events; kick preview: ok 2026-09-15 11:00 UTC (1 h ago), observed 3 rooms, 0 events; preview: as of 2030-01-31");
  });

  test("an invalid mxhome.toml: what is wrong, and the services as far as seen", () => {
    const text = formatStatus(
      { configured: false, configFile: "/h/mxhome.toml", problem: "invalid", problems: ["/h/mxhome.toml:3: bad"], services: up.services },
      { color: false, now },
    );
    expect(text).toContain("FAIL /h/mxhome.toml is invalid: fix it");
    expect(text).toMatch(/OK +synapse +running +up 3 h/);
  });

  test("unknown counts and sizes say so", () => {
    const text = formatStatus({ ...up, counts: undefined, sizes: {} }, { color: false, now });
    expect(text).toContain("unknown (Synapse or mxhome's token unavailable)");
    expect(text).toContain("database unknown, media unknown");
  });
});

test("no mxhome.toml: says how to start, never throws", async () => {
  const paths = resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-status-")) });
  const report = await gatherStatus({ paths, now });
  expect(report).toMatchObject({ configured: false, problem: "not set up yet: run `mxhome init`" });
  expect(formatStatus(report, { color: false, now })).toContain("mxhome init");
});
