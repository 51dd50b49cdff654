import { describe, expect, test } from "bun:test";
import { judgeVersions } from "../../../src/doctor/checks/services/versions.ts";
import { describeUpgradeAction, diskNeeds, diskShortfalls, planDeploymentUpgrade } from "../../../src/upgrade/plan.ts";
import {
  clusterOverheadBytes,
  countMismatches,
  judgeForget,
  keyTables,
  parseRowCounts,
  type PostgresMajorFacts,
  type PostgresMajorRecord,
  planPostgresMajor,
  rowCountsSql,
} from "../../../src/upgrade/postgres-major.ts";
import { type ComponentVersions, type DeploymentCheck, planUpgrade } from "../../../src/upgrade/versions.ts";

const check = (runtime: "native" | "podman", ...components: ComponentVersions[]): DeploymentCheck => ({ runtime, components, ...planUpgrade(components) });
const synapse = (deployed: string, pinned: string): ComponentVersions => ({ component: "synapse", deployed, pinned, source: "test" });
const postgres = (deployed: string, pinned: string): ComponentVersions => ({ component: "postgres", deployed, pinned, source: "test" });
const facts = (overrides: Partial<PostgresMajorFacts> = {}): PostgresMajorFacts => ({
  dataDir: "/home/u/.local/share/mxhome/postgres",
  oldProgramsPresent: true,
  oldDirTaken: false,
  ...overrides,
});
const MB = 1024 ** 2;

describe("planPostgresMajor", () => {
  test.each([
    ["native, cluster 15 and 17 installed", "15", "17", "15", "17"],
    ["podman, image tags", "15-alpine", "17.6-alpine", "15", "17"],
    ["podman, a minor in the old tag", "15.14", "17.6", "15", "17"],
  ])("%s: the majors name the old directory and the dump", (_, from, to, fromMajor, toMajor) => {
    const planned = planPostgresMajor({ component: "postgres", kind: "major", from, to }, facts());
    expect(planned).toEqual({
      action: {
        kind: "postgres-major",
        from: fromMajor,
        to: toMajor,
        dataDir: "/home/u/.local/share/mxhome/postgres",
        oldDir: `/home/u/.local/share/mxhome/postgres-${fromMajor}.old`,
        dumpFile: `/home/u/.local/share/mxhome/postgres-${fromMajor}-to-${toMajor}.dump`,
      },
    });
  });

  test("the old major's programs gone (natively): refused, naming the package", () => {
    const planned = planPostgresMajor({ component: "postgres", kind: "major", from: "15", to: "17" }, facts({ oldProgramsPresent: false }));
    expect("refusal" in planned && planned.refusal.code).toBe("upgrade.postgres-old-programs-missing");
    expect("refusal" in planned && planned.refusal.fix).toContain("sudo apt install postgresql-15");
  });

  test("an earlier old directory in the way: refused, naming --forget-old-postgres", () => {
    const planned = planPostgresMajor({ component: "postgres", kind: "major", from: "15", to: "17" }, facts({ oldDirTaken: true }));
    expect("refusal" in planned && planned.refusal.code).toBe("upgrade.postgres-old-dir-taken");
    expect("refusal" in planned && planned.refusal.fix).toContain("--forget-old-postgres");
  });
});

describe("planDeploymentUpgrade with a PostgreSQL major", () => {
  test("backup, then the major, then a Synapse venv step (the new Synapse migrates the new cluster)", () => {
    const plan = planDeploymentUpgrade(check("native", synapse("1.162.0", "1.163.2"), postgres("15", "17")), { includeMedia: false, postgres: facts() });
    expect(plan.refusals).toEqual([]);
    expect(plan.actions.map((action) => action.kind)).toEqual(["pre-upgrade-backup", "postgres-major", "synapse-venv"]);
    expect(describeUpgradeAction(plan.actions[1]!)).toContain("move /home/u/.local/share/mxhome/postgres aside to /home/u/.local/share/mxhome/postgres-15.old (kept)");
  });

  test("podman: the same step, from the image tags", () => {
    const plan = planDeploymentUpgrade(check("podman", synapse("1.163.2", "1.163.2"), postgres("15", "17.6")), { includeMedia: true, postgres: facts() });
    expect(plan.actions).toMatchObject([{ kind: "pre-upgrade-backup" }, { kind: "postgres-major", from: "15", to: "17" }]);
  });

  test("a refused major stops the whole upgrade (nothing is taken)", () => {
    const plan = planDeploymentUpgrade(check("native", synapse("1.162.0", "1.163.2"), postgres("15", "17")), { includeMedia: false, postgres: facts({ oldProgramsPresent: false }) });
    expect(plan.refusals.map((refusal) => refusal.code)).toEqual(["upgrade.postgres-old-programs-missing"]);
  });
});

describe("disk for a major", () => {
  const plan = planDeploymentUpgrade(check("native", synapse("1.163.2", "1.163.2"), postgres("15", "17")), { includeMedia: false, postgres: facts() });
  const needs = diskNeeds(plan.actions, { backupDir: "/backups", archiveBytes: 120 * MB, venvsDir: "/venvs", venvBytes: 0, databaseBytes: 100 * MB, clusterBytes: 130 * MB });

  test("the archive, the dump (the database's size) and the new cluster (every database, plus its overhead), each where it goes", () => {
    expect(needs).toEqual([
      { what: "the pre-upgrade archive", dir: "/backups", bytes: 120 * MB },
      { what: "the PostgreSQL 15 dump", dir: "/home/u/.local/share/mxhome", bytes: 100 * MB },
      { what: "the new PostgreSQL 17 cluster", dir: "/home/u/.local/share/mxhome", bytes: 130 * MB + clusterOverheadBytes },
    ]);
  });

  test("dump and cluster on one file system add up: 2× the database is refused where 1× would fit", () => {
    const home = { device: 1, freeBytes: 500 * MB };
    const other = { device: 2, freeBytes: 10_000 * MB };
    const short = diskShortfalls(needs, (dir) => (dir === "/backups" ? other : home));
    expect(short.map((blocker) => blocker.code)).toEqual(["upgrade.disk-space"]);
    expect(short[0]!.message).toContain("the PostgreSQL 15 dump");
    expect(short[0]!.message).toContain("the new PostgreSQL 17 cluster");
    expect(diskShortfalls(needs, (dir) => (dir === "/backups" ? other : { device: 1, freeBytes: 2_000 * MB }))).toEqual([]);
  });
});

describe("verification", () => {
  test("one query over the key tables that exist", () => {
    const sql = rowCountsSql();
    for (const table of keyTables) expect(sql).toContain(`'${table}'`);
    expect(sql).toContain("query_to_xml");
  });

  test("counts parse from psql rows; a difference or a missing table is named", () => {
    const before = parseRowCounts([
      ["events", "120"],
      ["users", "3"],
      ["rooms", "2"],
    ]);
    expect(before).toEqual({ events: 120, users: 3, rooms: 2 });
    expect(countMismatches(before, { events: 120, users: 3, rooms: 2 })).toEqual([]);
    expect(countMismatches(before, { events: 100, users: 3 })).toEqual(["events: 120 → 100", "rooms: 2 → missing"]);
  });
});

describe("judgeForget", () => {
  const record: PostgresMajorRecord = { from: "15", to: "17", dataDir: "/d/postgres", oldDir: "/d/postgres-15.old", upgradedAt: "2026-12-02T11:00:00Z", counts: {} };
  test.each([
    ["a verified upgrade, still on its new major", record, "17", { remove: "/d/postgres-15.old" }],
    ["no upgrade recorded", undefined, "17", "upgrade.no-old-postgres"],
    ["the deployment runs another major (gone back by hand?)", record, "15", "upgrade.old-postgres-still-needed"],
  ] as const)("%s", (_, given, deployed, expected) => {
    const judged = judgeForget(given, deployed);
    if (typeof expected === "string") expect("refusal" in judged && judged.refusal.code).toBe(expected);
    else expect(judged).toEqual(expected);
  });
});

describe("doctor's versions check after a major upgrade", () => {
  test("the kept old directory is an info with the command that removes it", () => {
    const current: ComponentVersions[] = [{ component: "postgres", deployed: "17", pinned: "17", running: "17.6", source: "test" }];
    const kept: PostgresMajorRecord = { from: "15", to: "17", dataDir: "/d/postgres", oldDir: "/d/postgres-15.old", upgradedAt: "2026-12-02T11:00:00Z", counts: {} };
    expect(judgeVersions({ ...check("native", ...current), keptOldPostgres: kept })).toMatchObject({
      status: "info",
      detail: expect.stringContaining("PostgreSQL 15's data directory is kept at /d/postgres-15.old since the upgrade to 17"),
      fix: expect.stringContaining("mxhome upgrade --forget-old-postgres"),
    });
    expect(judgeVersions(check("native", ...current))).toMatchObject({ status: "ok" });
  });
});
