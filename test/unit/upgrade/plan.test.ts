import { describe, expect, test } from "bun:test";
import type { DeploymentUpgradeReport } from "../../../src/upgrade/deployment.ts";
import { formatDeploymentUpgrade } from "../../../src/upgrade/report.ts";
import { describeUpgradeAction, diskMargin, diskNeeds, diskShortfalls, planDeploymentUpgrade } from "../../../src/upgrade/plan.ts";
import { type ComponentVersions, type DeploymentCheck, planUpgrade } from "../../../src/upgrade/versions.ts";

const check = (runtime: "native" | "podman", ...components: ComponentVersions[]): DeploymentCheck => ({ runtime, components, ...planUpgrade(components) });
const synapse = (deployed: string, pinned?: string): ComponentVersions => ({ component: "synapse", deployed, pinned, source: "test" });
const postgres = (deployed: string, pinned: string): ComponentVersions => ({ component: "postgres", deployed, pinned, source: "test" });
const MB = 1024 ** 2;

describe("planDeploymentUpgrade", () => {
  test("native Synapse forward: a pre-upgrade backup first, then the venv step", () => {
    const plan = planDeploymentUpgrade(check("native", synapse("1.162.0", "1.163.2"), postgres("15", "15")), { includeMedia: true });
    expect(plan.actions).toEqual([
      { kind: "pre-upgrade-backup", includeMedia: true },
      { kind: "synapse-venv", from: "1.162.0", to: "1.163.2" },
    ]);
    expect(plan.refusals).toEqual([]);
    expect(plan.actions.map(describeUpgradeAction)[0]).toContain("media");
  });

  test("nothing to move: no actions, not even a backup", () => {
    expect(planDeploymentUpgrade(check("native", synapse("1.163.2", "1.163.2")), { includeMedia: false })).toEqual({ actions: [], refusals: [], notes: [] });
  });

  test("a Synapse of your own is left alone and said so", () => {
    const plan = planDeploymentUpgrade(check("native", synapse("1.150.0")), { includeMedia: false });
    expect(plan.actions).toEqual([]);
    expect(plan.notes[0]).toContain("left alone");
  });

  test("a PostgreSQL major whose data directory was not looked at is refused", () => {
    const native = planDeploymentUpgrade(check("native", synapse("1.163.2", "1.163.2"), postgres("15", "17")), { includeMedia: false });
    expect(native.refusals.map((refusal) => refusal.code)).toEqual(["upgrade.postgres-major-unobserved"]);
  });

  test("podman Synapse forward: a pre-upgrade backup first, then the pinned image", () => {
    const plan = planDeploymentUpgrade(check("podman", synapse("1.162.0", "1.163.2"), postgres("17.6", "17.6")), { includeMedia: false });
    expect(plan.refusals).toEqual([]);
    expect(plan.actions).toEqual([
      { kind: "pre-upgrade-backup", includeMedia: false },
      { kind: "synapse-image", from: "1.162.0", to: "1.163.2", image: "ghcr.io/element-hq/synapse:v1.163.2" },
    ]);
    expect(describeUpgradeAction(plan.actions[1]!)).toBe(
      "pull ghcr.io/element-hq/synapse:v1.163.2 (unless podman has it), switch Synapse's unit from 1.162.0's image to it and restart, wait for /health and Synapse's background updates (on failure: back to 1.162.0's image and the pre-upgrade archive)",
    );
  });

  test("podman minors and Caddy are up's; a newer deployed version is left alone", () => {
    const caddy: ComponentVersions = { component: "caddy", deployed: "2.10.0", pinned: "2.10.2", source: "test" };
    const plan = planDeploymentUpgrade(check("podman", synapse("1.170.0", "1.163.2"), postgres("17.5", "17.6"), caddy), { includeMedia: false });
    expect(plan.actions).toEqual([]);
    expect(plan.notes).toEqual([
      "synapse 1.170.0 is newer than this mxhome's 1.163.2: left alone.",
      "postgres 17.5 → 17.6: `mxhome up` takes it (no data format changes).",
      "caddy 2.10.0 → 2.10.2: `mxhome up` takes it (no data format changes).",
    ]);
  });
});

describe("disk space", () => {
  const plan = planDeploymentUpgrade(check("native", synapse("1.162.0", "1.163.2")), { includeMedia: false });
  const needs = diskNeeds(plan.actions, { backupDir: "/data/backups", archiveBytes: 300 * MB, venvsDir: "/data/venvs", venvBytes: 200 * MB });

  test("what each action writes, where", () => {
    expect(needs).toEqual([
      { what: "the pre-upgrade archive", dir: "/data/backups", bytes: 300 * MB },
      { what: "Synapse 1.163.2's venv", dir: "/data/venvs", bytes: 200 * MB },
    ]);
  });

  test("needs on one file system add up, with the margin", () => {
    const required = 500 * MB + diskMargin(500 * MB);
    expect(diskShortfalls(needs, () => ({ device: 1, freeBytes: required }))).toEqual([]);
    const [short] = diskShortfalls(needs, () => ({ device: 1, freeBytes: required - 1 }));
    expect(short?.code).toBe("upgrade.disk-space");
    expect(short?.message).toContain("the pre-upgrade archive in /data/backups (300 MB), Synapse 1.163.2's venv in /data/venvs (200 MB)");
    expect(short?.fix).toContain("Nothing was changed");
  });

  test("on separate file systems each is judged alone", () => {
    const filesystems = (dir: string) => (dir === "/data/backups" ? { device: 1, freeBytes: 10 * MB } : { device: 2, freeBytes: 10_000 * MB });
    const refusals = diskShortfalls(needs, filesystems);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.message).toContain("pre-upgrade archive");
    expect(refusals[0]!.message).not.toContain("venv");
  });

  test("podman: the new image as big as the old one, in podman's store; not measured, not counted", () => {
    const podman = planDeploymentUpgrade(check("podman", synapse("1.162.0", "1.163.2")), { includeMedia: false });
    const sizes = { backupDir: "/data/backups", archiveBytes: 300 * MB, venvsDir: "/data/venvs", venvBytes: 0 };
    expect(diskNeeds(podman.actions, { ...sizes, image: { store: "/home/a/.local/share/containers/storage", bytes: 400 * MB } })).toEqual([
      { what: "the pre-upgrade archive", dir: "/data/backups", bytes: 300 * MB },
      { what: "Synapse 1.163.2's image", dir: "/home/a/.local/share/containers/storage", bytes: 400 * MB },
    ]);
    expect(diskNeeds(podman.actions, sizes)).toHaveLength(1);
  });

  test("the margin: 10%, at least 256 MB", () => {
    expect(diskMargin(0)).toBe(256 * MB);
    expect(diskMargin(10_000 * MB)).toBe(1_000 * MB);
  });
});

describe("the text of mxhome upgrade", () => {
  const report = (components: ComponentVersions[], extra: Partial<DeploymentUpgradeReport> = {}): DeploymentUpgradeReport => {
    const versions = check("native", ...components);
    const plan = planDeploymentUpgrade(versions, { includeMedia: false });
    return { dryRun: true, runtime: "native", check: versions, plan, steps: plan.actions.map(describeUpgradeAction), outcome: plan.actions.length || plan.refusals.length ? "planned" : "up-to-date", notes: plan.notes, ...extra };
  };

  test("a dry run: the versions, the numbered steps, the measured disk", () => {
    const text = formatDeploymentUpgrade(report([synapse("1.162.0", "1.163.2")], { disk: [{ what: "the pre-upgrade archive", dir: "/b", bytes: 3 * MB }] }));
    expect(text).toContain("Synapse: not answering; deployed: 1.162.0 (test); this mxhome: 1.163.2");
    expect(text).toContain("mxhome upgrade would (nothing was changed):\n  1. back up the server");
    expect(text).toContain("  2. build Synapse 1.163.2's venv beside 1.162.0's");
    expect(text).toContain("disk: the pre-upgrade archive 3.0 MB (measured)");
  });

  test("done, with the archive; nothing to do; a refusal with its fix", () => {
    expect(formatDeploymentUpgrade(report([synapse("1.162.0", "1.163.2")], { dryRun: false, outcome: "upgraded", backup: "/b/x-pre-upgrade.tar" }))).toContain("Done:\n  1.");
    expect(formatDeploymentUpgrade(report([synapse("1.163.2", "1.163.2")]))).toContain("Nothing to upgrade");
    const refused = formatDeploymentUpgrade(report([postgres("15", "17")]));
    expect(refused).not.toContain("Nothing to upgrade");
    expect(refused).toContain("refused: PostgreSQL 15 → 17 is a major upgrade");
  });
});
