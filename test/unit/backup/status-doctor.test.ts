import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LastBackup, lastBackup } from "../../../src/backup/last.ts";
import { archiveFileName } from "../../../src/backup/naming.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import { defaultConfig } from "../../../src/config/render-toml.ts";
import { backupScheduleDays, judgeBackups } from "../../../src/doctor/checks/jobs/backup.ts";
import { writeRunRecord } from "../../../src/state/runs.ts";

const now = new Date("2026-09-15T12:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const last = (fields: Partial<LastBackup> & { age?: number } = {}): LastBackup => {
  const { age, ...rest } = fields;
  const newest = age === undefined ? undefined : { file: "/b/mxhome-backup-x.tar", bytes: 2_500_000, createdAt: daysAgo(age).toISOString(), encrypted: false };
  return { dir: "/b", ...(newest ? { newest, ageDays: age } : {}), ...rest };
};

describe("doctor: last backup", () => {
  test("the schedule is weekly, so a warning comes after 14 days", () => expect(backupScheduleDays * 2).toBe(14));

  test.each([
    ["not configured, none made", false, last(), "info", /^backups are not configured$/],
    ["not scheduled, a manual one exists", false, last({ age: 40 }), "info", /not scheduled; the newest is \/b\/mxhome-backup-x.tar \(2.4 MB, 40 d old\)/],
    ["scheduled, none yet", true, last(), "warn", /no archive in \/b yet/],
    ["scheduled, 3 days old", true, last({ age: 3 }), "ok", /newest \/b\/mxhome-backup-x.tar \(2.4 MB, 3 d old\)/],
    ["scheduled, exactly 14 days old", true, last({ age: 14 }), "ok", /14 d old/],
    ["scheduled, 15 days old", true, last({ age: 15 }), "warn", /older than twice the weekly schedule/],
    ["scheduled, last run failed", true, last({ age: 2, lastRun: { ok: false, finishedAt: daysAgo(1).toISOString(), summary: "PostgreSQL: pg_dump failed" } }), "fail", /failed .*pg_dump failed/],
  ] as const)("%s → %s", (_name, enabled, facts, status, detail) => {
    const verdict = judgeBackups(enabled, facts, now);
    expect(verdict.status).toBe(status);
    expect(verdict.detail).toMatch(detail);
    if (status === "warn" || status === "fail") expect(verdict.fix).toContain("mxhome");
  });
});

describe("lastBackup, for status", () => {
  test("finds the newest archive of this server and the last run; a missing dir is no error", () => {
    const paths = resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-last-")) });
    const config = defaultConfig({ server_name: "x.org" });
    expect(lastBackup(paths, config, now)).toEqual({ dir: join(paths.dataDir, "backups") });
    const dir = join(paths.dataDir, "backups");
    mkdirSync(dir, { recursive: true });
    for (const [age, server] of [[9, "x.org"], [2, "x.org"], [1, "other.org"]] as const) {
      writeFileSync(join(dir, archiveFileName(server, daysAgo(age), { encrypted: age === 2 })), "12345");
    }
    writeRunRecord(paths, { command: "backup", startedAt: daysAgo(2).toISOString(), finishedAt: daysAgo(2).toISOString(), ok: true, summary: "5 B" });
    const found = lastBackup(paths, config, now);
    expect(found.newest).toEqual({ file: join(dir, archiveFileName("x.org", daysAgo(2), { encrypted: true })), bytes: 5, createdAt: daysAgo(2).toISOString(), encrypted: true });
    expect(found.ageDays).toBe(2);
    expect(found.lastRun).toEqual({ ok: true, finishedAt: daysAgo(2).toISOString(), summary: "5 B" });
  });

  test("without a config, it looks where the last run wrote (--to)", () => {
    const paths = resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-last-")) });
    const elsewhere = mkdtempSync(join(tmpdir(), "mxhome-last-to-"));
    const archive = join(elsewhere, archiveFileName("x.org", daysAgo(1), { encrypted: false }));
    writeFileSync(archive, "x");
    writeRunRecord(paths, { command: "backup", startedAt: now.toISOString(), finishedAt: now.toISOString(), ok: true, summary: "", report: { archive } });
    expect(lastBackup(paths, undefined, now).newest?.file).toBe(archive);
  });
});
