import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyManagedWrites, planManagedWrites, planWrites, removeManagedFiles, sha256 } from "../../../src/io/managed-files.ts";
import type { RenderedFile } from "../../../src/render/types.ts";

const file = (path: string, content: string): RenderedFile => ({ path, content, mode: 0o644, affects: [] });

describe("planWrites", () => {
  const cases: { name: string; onDisk?: string; manifest?: string; action: string }[] = [
    { name: "absent file is created", action: "create" },
    { name: "identical file is unchanged", onDisk: "new", action: "unchanged" },
    { name: "file still as mxhome wrote it is updated", onDisk: "old", manifest: "old", action: "update" },
    { name: "file differing from the manifest is hand-edited", onDisk: "edited", manifest: "old", action: "edited" },
    { name: "unknown existing file counts as hand-edited", onDisk: "theirs", action: "edited" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const manifest: Record<string, string> = c.manifest === undefined ? {} : { "/f": sha256(c.manifest) };
      const [planned] = planWrites([file("/f", "new")], new Map([["/f", c.onDisk]]), manifest);
      expect(planned?.action).toBe(c.action as never);
    });
  }
});

describe("applyManagedWrites", () => {
  test("writes, then refuses a hand edit without force, then replaces it with a backup", () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-managed-"));
    const manifest = join(dir, "state", "rendered.json");
    const target = join(dir, "out", "a.conf");
    applyManagedWrites(planManagedWrites([file(target, "v1")], manifest), manifest, { force: false });
    expect(readFileSync(target, "utf8")).toBe("v1");
    expect(statSync(manifest).mode & 0o777).toBe(0o600);

    // Unedited: a new rendering replaces it quietly.
    applyManagedWrites(planManagedWrites([file(target, "v2")], manifest), manifest, { force: false });
    expect(readFileSync(target, "utf8")).toBe("v2");

    writeFileSync(target, "hand edit");
    const plan = planManagedWrites([file(target, "v3")], manifest);
    expect(() => applyManagedWrites(plan, manifest, { force: false })).toThrow("edited by hand");
    expect(readFileSync(target, "utf8")).toBe("hand edit");

    const result = applyManagedWrites(plan, manifest, { force: true, now: new Date("2026-01-02T03:04:05Z") });
    expect(readFileSync(target, "utf8")).toBe("v3");
    expect(result.backups).toHaveLength(1);
    expect(readFileSync(result.backups[0]!, "utf8")).toBe("hand edit");
    expect(readdirSync(join(dir, "out")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  test("an unwritable target fails before anything is written", () => {
    if (process.getuid?.() === 0) return; // root can write anywhere; the suite runs as the test user
    const dir = mkdtempSync(join(tmpdir(), "mxhome-managed-"));
    const manifest = join(dir, "rendered.json");
    const good = join(dir, "good.conf");
    const plan = planManagedWrites([file(good, "x"), file("/proc/mxhome-denied/x.conf", "y")], manifest);
    expect(() => applyManagedWrites(plan, manifest, { force: false })).toThrow("not writable");
    expect(existsSync(good)).toBe(false);
  });
});

describe("removeManagedFiles", () => {
  test("deletes a file as mxhome wrote it, keeps a hand-edited one as a backup, and forgets both", () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-managed-"));
    const manifest = join(dir, "rendered.json");
    const untouched = join(dir, "mxhome-synapse-worker1.container");
    const edited = join(dir, "mxhome-synapse-worker2.container");
    applyManagedWrites(planManagedWrites([file(untouched, "w1"), file(edited, "w2")], manifest), manifest, { force: false });
    writeFileSync(edited, "w2 with my tweak");

    const backups = removeManagedFiles([untouched, edited], manifest, new Date("2026-01-02T03:04:05Z"));
    expect(backups).toEqual([`${edited}.mxhome-backup-2026-01-02T03-04-05-000Z`]);
    expect(readFileSync(backups[0]!, "utf8")).toBe("w2 with my tweak");
    expect(existsSync(untouched) || existsSync(edited)).toBe(false);
    expect(JSON.parse(readFileSync(manifest, "utf8")).files).toEqual({});
  });
});
