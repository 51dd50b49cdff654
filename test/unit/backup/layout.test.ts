import { describe, expect, test } from "bun:test";
import { resolvePaths } from "../../../src/config/paths.ts";
import { isArchivedState, isMachineState, isSafeRelativePath, memberTarget, memberMode, sectionOf } from "../../../src/backup/layout.ts";
import { type BackupManifest, compareWithManifest, type ManifestMember, parseManifest } from "../../../src/backup/manifest.ts";

const paths = resolvePaths({ HOME: "/home/bob" });

describe("where each member goes back", () => {
  test.each([
    ["config/mxhome.toml", "/home/bob/.config/mxhome/mxhome.toml"],
    ["config/homeserver.overrides.yaml", "/home/bob/.config/mxhome/homeserver.overrides.yaml"],
    ["config/other.yaml", undefined],
    ["secrets/signing.key", "/home/bob/.local/share/mxhome/secrets/signing.key"],
    ["secrets/nested/key", undefined],
    ["state/credentials/service.json", "/home/bob/.local/state/mxhome/credentials/service.json"],
    ["state/kick-ledger.sqlite", "/home/bob/.local/state/mxhome/kick-ledger.sqlite"],
    ["state/runs/purge.json", "/home/bob/.local/state/mxhome/runs/purge.json"],
    ["state/runs/up.json", undefined],
    ["state/credentials/admin-initial-password", undefined],
    ["state/credentials/alice-initial-password", undefined],
    ["state/credentials/bob-new-password", undefined],
    ["state/native/postgres.pid", undefined],
    ["state/rendered.json", undefined],
    ["state/kick.lock", undefined],
    ["media/local_content/ab/cd/efgh", "/home/bob/.local/share/mxhome/synapse/media_store/local_content/ab/cd/efgh"],
    ["media/../../../../etc/passwd", undefined],
    ["media/a/./b", undefined],
    ["media//a", undefined],
    ["/etc/passwd", undefined],
    ["database/synapse.pgdump", undefined],
    ["manifest.json", undefined],
    ["elsewhere/x", undefined],
  ])("%s → %s", (member, target) => {
    expect(memberTarget(member, paths)).toBe(target as string | undefined);
  });

  test.each([
    ["a/b", true],
    ["", false],
    ["/a", false],
    ["a/../b", false],
    ["a\\b", false],
    ["a\nb", false],
    ["..", false],
  ])("isSafeRelativePath(%j) = %s", (path, safe) => expect(isSafeRelativePath(path)).toBe(safe));

  test.each([
    ["kick-ledger.sqlite", false],
    ["kick-ledger.sqlite-wal", true],
    ["kick-ledger.sqlite-shm", true],
    ["credentials/bot.json", false],
    ["services.json", true],
    ["podman-secrets.json", true],
    ["logs/synapse.log", true],
    ["runs/purge.json", false],
    ["runs/kick.json", false],
    ["runs/kick.preview.json", false],
    ["runs/backup.json", false],
    ["runs/up.json", true],
    ["runs/down.json", true],
    ["runs/restore.json", true],
  ])("machine state %s: %s", (path, machine) => expect(isMachineState(path)).toBe(machine));

  test.each([
    ["credentials/bot.json", true],
    ["credentials/admin-initial-password", false],
    // `user add` and `user password` leave generated passwords to hand over, like `up` leaves the admin's.
    ["credentials/alice-initial-password", false],
    ["credentials/bob.smith-new-password", false],
    ["credentials/service.json", true],
    ["kick/ledger.sqlite", true],
    ["runs/kick.json", true],
    ["runs/up.json", false],
  ])("archived state %s: %s", (path, archived) => expect(isArchivedState(path)).toBe(archived));

  test.each([
    ["secrets/signing.key", 0o644, 0o600],
    ["state/credentials/bot.json", 0o666, 0o600],
    ["state/kick/ledger.sqlite", 0o644, 0o600],
    ["config/mxhome.toml", 0o666, 0o644],
    ["config/mxhome.toml", 0o600, 0o600],
    ["media/x", 0o777, 0o644],
  ])("%s on disk %o is %o in the archive and restored", (member, archived, restored) => expect(memberMode(member, archived)).toBe(restored));

  test("sections", () => {
    expect(["database/synapse.pgdump", "media/x", "manifest.json", "config/mxhome.toml"].map(sectionOf)).toEqual(["database", "media", undefined, "config"]);
  });
});

const hash = (c: string) => c.repeat(64);
const member = (path: string, size = 3, sha = "a"): ManifestMember => ({ path, size, sha256: hash(sha), mode: 0o600 });
const manifest = (members: ManifestMember[], database = true): BackupManifest => ({
  format: "mxhome-backup",
  formatVersion: 1,
  createdAt: "2026-09-01T00:00:00.000Z",
  serverName: "pc.tail1234.ts.net",
  runtime: "podman",
  includes: { database, media: false },
  versions: { mxhome: "0.1.0", synapse: "1.163.2", postgres: "16.4" },
  members,
});

describe("the manifest", () => {
  const members = [member("database/synapse.pgdump"), member("config/mxhome.toml"), member("secrets/signing.key")];

  test("round-trips through JSON", () => {
    expect(parseManifest(JSON.stringify(manifest(members)))).toEqual(manifest(members));
  });

  test.each([
    ["not JSON", "{"],
    ["another format", JSON.stringify({ ...manifest(members), format: "tar" })],
    ["a newer format version", JSON.stringify({ ...manifest(members), formatVersion: 2 })],
    ["an unsafe member path", JSON.stringify(manifest([member("media/../x")]))],
    ["a bad hash", JSON.stringify(manifest([{ ...member("media/x"), sha256: "zz" }]))],
    ["a negative size", JSON.stringify(manifest([member("media/x", -1)]))],
    ["no runtime", JSON.stringify({ ...manifest(members), runtime: "docker" })],
  ])("refuses %s", (_name, text) => {
    expect(() => parseManifest(text)).toThrow("damaged or was altered");
  });

  test.each([
    ["everything matches", members, []],
    ["a member missing", members.slice(1), ["database/synapse.pgdump is missing"]],
    ["a member added", [...members, member("media/extra")], ["media/extra is not in the manifest"]],
    ["a member altered", [members[0]!, member("config/mxhome.toml", 3, "b"), members[2]!], ["config/mxhome.toml does not match its SHA-256"]],
    ["a member resized", [members[0]!, member("config/mxhome.toml", 4), members[2]!], ["config/mxhome.toml has 4 bytes, the manifest says 3"]],
    ["a member twice", [...members, members[1]!], ["config/mxhome.toml appears twice"]],
    ["the manifest itself is ignored", [...members, member("manifest.json")], []],
  ])("compare: %s", (_name, seen, problems) => {
    expect(compareWithManifest(manifest(members), seen)).toEqual(problems);
  });

  test("a member with no place to go, and a database flag that lies, are problems", () => {
    const odd = manifest([member("state/runs/x.json")], true);
    expect(compareWithManifest(odd, odd.members)).toEqual(["state/runs/x.json has no place to be restored to", "the manifest's database flag does not match its members"]);
  });
});
