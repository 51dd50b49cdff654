import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stageArchive } from "../../../src/backup/archive-reader.ts";
import { openArchiveWriter } from "../../../src/backup/archive-writer.ts";
import { newEncryption } from "../../../src/backup/cipher.ts";
import { createTarWriter } from "../../../src/backup/tar.ts";
import { MxError } from "../../../src/ui/errors.ts";

const fast = { logN: 10, r: 8, p: 1, chunkSize: 4096 };
const header = { format: "mxhome-backup", formatVersion: 1, createdAt: "2026-09-01T00:00:00.000Z", serverName: "x.org", runtime: "native" } as const;

function fixtureFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {
    "database/synapse.pgdump": join(dir, "dump"),
    "config/mxhome.toml": join(dir, "mxhome.toml"),
    "secrets/signing.key": join(dir, "signing.key"),
    "media/local_content/ab/cd/efgh": join(dir, "media"),
  };
  writeFileSync(files["database/synapse.pgdump"]!, Buffer.alloc(20_000, 3));
  writeFileSync(files["config/mxhome.toml"]!, '[server]\nserver_name = "x.org"\n');
  writeFileSync(files["secrets/signing.key"]!, "ed25519 a_abcd AAAA", { mode: 0o600 });
  writeFileSync(files["media/local_content/ab/cd/efgh"]!, Buffer.alloc(9_000, 7));
  return files;
}

function writeArchive(dir: string, passphrase?: string): string {
  const files = fixtureFiles(dir);
  const archive = join(dir, passphrase ? "a.tar.enc" : "a.tar");
  const writer = openArchiveWriter(archive, passphrase ? newEncryption(passphrase, fast) : undefined);
  for (const [member, file] of Object.entries(files)) expect(writer.addFile(member, file)).toBe(true);
  expect(writer.addFile("media/gone", join(dir, "never-existed"))).toBe(false);
  writer.finish({ ...header, includes: { database: true, media: true }, versions: { mxhome: "0.1.0", synapse: "1.163.2", postgres: "15" } });
  return archive;
}

const stage = (archive: string, passphrase = "pass-phrase") => {
  const staging = mkdtempSync(join(tmpdir(), "mxhome-staging-"));
  return { staging, result: stageArchive(archive, staging, { passphrase: async () => passphrase }) };
};

async function codeOf(work: Promise<unknown>): Promise<string> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  return error instanceof MxError ? error.code : `not an MxError: ${String(error)}`;
}

describe.each([
  ["plain", undefined],
  ["encrypted", "pass-phrase"],
])("a %s archive", (_kind, passphrase) => {
  test("is written 0600 and stages back byte for byte, manifest verified", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-archive-"));
    const archive = writeArchive(dir, passphrase);
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const { staging, result } = stage(archive);
    const staged = await result;
    expect(staged.encrypted).toBe(Boolean(passphrase));
    expect(staged.manifest.members.map((m) => m.path)).toEqual(["database/synapse.pgdump", "config/mxhome.toml", "secrets/signing.key", "media/local_content/ab/cd/efgh"]);
    expect(staged.manifest.members[2]!.mode).toBe(0o600);
    for (const [member, file] of Object.entries(fixtureFiles(mkdtempSync(join(tmpdir(), "mxhome-expected-"))))) {
      expect(readFileSync(join(staging, member)).equals(readFileSync(file))).toBe(true);
    }
  });

  test.each([
    ["truncated by half", (b: Buffer) => b.subarray(0, b.length >> 1)],
    ["truncated by one byte", (b: Buffer) => b.subarray(0, b.length - 1)],
    ["a byte flipped in the dump", (b: Buffer) => (b[(passphrase ? 64 : 0) + 512 + 100]! ^= 1, b)],
    ["a byte flipped near the end", (b: Buffer) => (b[b.length - 1500]! ^= 1, b)],
    ["empty", () => Buffer.alloc(0)],
  ])("%s, is refused as damaged", async (_name, alter) => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-archive-"));
    const archive = writeArchive(dir, passphrase);
    writeFileSync(archive, alter(Buffer.from(readFileSync(archive))));
    expect(await codeOf(stage(archive).result)).toBe("backup.corrupt");
  });
});

describe("archives that are not what they claim", () => {
  const craft = (entries: [string, string][]) => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-archive-"));
    const file = join(dir, "crafted.tar");
    const parts: Uint8Array[] = [];
    const tar = createTarWriter({ write: (b) => parts.push(Buffer.from(b)), end: () => writeFileSync(file, Buffer.concat(parts)) });
    for (const [path, content] of entries) {
      tar.begin({ path, size: content.length, mode: 0o644, mtime: 0 });
      tar.write(Buffer.from(content));
      tar.finishEntry();
    }
    tar.end();
    return file;
  };

  test.each([
    ["no manifest", [["config/mxhome.toml", "x"]]],
    ["a member escaping the staging dir", [["media/../../../etc/x", "x"]]],
    ["a member outside every section", [["etc/passwd", "x"]]],
    ["a member twice", [["media/a", "x"], ["media/a", "y"]]],
    ["a manifest that is not one", [["manifest.json", "{}"]]],
  ] as [string, [string, string][]][])("%s is refused", async (_name, entries) => {
    expect(await codeOf(stage(craft(entries)).result)).toBe("backup.corrupt");
  });

  test("a GNU tar of the right files, without a manifest, is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-archive-"));
    mkdirSync(join(dir, "config"));
    writeFileSync(join(dir, "config", "mxhome.toml"), "x");
    Bun.spawnSync(["tar", "-cf", "g.tar", "config"], { cwd: dir });
    expect(await codeOf(stage(join(dir, "g.tar")).result)).toBe("backup.corrupt");
  });

  test("a wrong passphrase is named as such", async () => {
    const archive = writeArchive(mkdtempSync(join(tmpdir(), "mxhome-archive-")), "pass-phrase");
    expect(await codeOf(stage(archive, "other-phrase").result)).toBe("backup.wrong-passphrase");
  });

  test("a missing archive is a clear error", async () => {
    expect(await codeOf(stage("/nonexistent/a.tar").result)).toBe("backup.unreadable");
  });
});
