import { describe, expect, test } from "bun:test";
import { archiveFileName, backupDir, listArchives, parseArchiveFileName, planPrune } from "../../../src/backup/naming.ts";

const at = (iso: string) => new Date(iso);
const name = (iso: string, options: { encrypted?: boolean; label?: string; server?: string } = {}) =>
  archiveFileName(options.server ?? "pc.tail1234.ts.net", at(iso), { encrypted: Boolean(options.encrypted), label: options.label });

describe("archive names", () => {
  test.each([
    ["2026-09-01T03:04:05.678Z", {}, "mxhome-backup-pc.tail1234.ts.net-20260901-030405.678Z.tar"],
    ["2026-09-01T03:04:05.678Z", { encrypted: true }, "mxhome-backup-pc.tail1234.ts.net-20260901-030405.678Z.tar.enc"],
    ["2026-09-01T03:04:05.000Z", { label: "pre-restore" }, "mxhome-backup-pc.tail1234.ts.net-20260901-030405.000Z-pre-restore.tar"],
    ["2026-09-01T03:04:05.000Z", { server: "example.org:8448" }, "mxhome-backup-example.org_8448-20260901-030405.000Z.tar"],
  ] as [string, { encrypted?: boolean; label?: string; server?: string }, string][])("%s %j → %s", (iso, options, expected) => {
    const file = name(iso, options);
    expect(file).toBe(expected);
    expect(parseArchiveFileName(file)).toMatchObject({ createdAt: at(iso), encrypted: Boolean(options.encrypted) });
  });

  test.each(["mxhome-backup-x.tar", "other.tar", "mxhome-backup-pc-20261301-000000.000Z.tar", "mxhome-backup-pc-20260901-030405.678Z.tar.gz"])(
    "%s is not an archive name",
    (file) => expect(parseArchiveFileName(file)).toBeUndefined(),
  );

  test("listing: this server's archives, newest first", () => {
    const files = [name("2026-09-01T00:00:00Z"), name("2026-09-08T00:00:00Z", { encrypted: true }), name("2026-09-05T00:00:00Z", { server: "other.org" }), "notes.txt"];
    expect(listArchives(files, "pc.tail1234.ts.net").map((a) => a.file)).toEqual([files[1]!, files[0]!]);
    expect(listArchives(files)).toHaveLength(3);
  });
});

describe("pruning keeps the newest N, and never labelled or other servers' archives", () => {
  const weekly = ["2026-08-04", "2026-08-11", "2026-08-18", "2026-08-25", "2026-09-01", "2026-09-08"].map((day) => name(`${day}T03:00:00Z`));
  const preRestore = name("2026-07-01T00:00:00Z", { label: "pre-restore" });
  const other = name("2026-01-01T00:00:00Z", { server: "other.org" });
  test.each([
    [4, weekly.slice(0, 2)],
    [6, []],
    [1, weekly.slice(0, 5)],
    [100, []],
  ] as [number, string[]][])("keep %d", (keep, doomed) => {
    expect(planPrune([...weekly, preRestore, other, "readme.txt"], "pc.tail1234.ts.net", keep).sort()).toEqual([...doomed].sort());
  });
});

describe("the backup dir", () => {
  const paths = { dataDir: "/home/bob/.local/share/mxhome" };
  test.each([
    ["", "/home/bob/.local/share/mxhome/backups"],
    ["/mnt/usb/backups", "/mnt/usb/backups"],
    ["~/Backups", "/home/bob/Backups"],
    ["elsewhere", "/home/bob/.local/share/mxhome/elsewhere"],
  ])("%j → %s", (dir, expected) => expect(backupDir(paths, dir, "/home/bob")).toBe(expected));
});
