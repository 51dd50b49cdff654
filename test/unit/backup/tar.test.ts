import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ByteSink,
  createTarWriter,
  decodeHeaderBlock,
  encodeFileHeader,
  paddingFor,
  parsePaxRecords,
  paxRecord,
  splitUstarPath,
  type TarEntry,
} from "../../../src/backup/tar.ts";
import { createTarParser } from "../../../src/backup/tar-parser.ts";

function collect(): { sink: ByteSink; bytes: () => Buffer } {
  const parts: Uint8Array[] = [];
  return { sink: { write: (b) => parts.push(Buffer.from(b)), end: () => {} }, bytes: () => Buffer.concat(parts) };
}

function writeTar(files: { path: string; content: Uint8Array; mode?: number }[]): Buffer {
  const out = collect();
  const tar = createTarWriter(out.sink);
  for (const file of files) {
    tar.begin({ path: file.path, size: file.content.length, mode: file.mode ?? 0o644, mtime: 1_700_000_000 });
    tar.write(file.content);
    tar.finishEntry();
  }
  tar.end();
  return out.bytes();
}

function readTar(bytes: Uint8Array, pieceSize = bytes.length): { entry: TarEntry; content: Buffer }[] {
  const entries: { entry: TarEntry; content: Buffer }[] = [];
  let parts: Buffer[] = [];
  let current: TarEntry | undefined;
  const parser = createTarParser({
    begin: (entry) => ((current = entry), (parts = [])),
    data: (chunk) => parts.push(Buffer.from(chunk)),
    finishEntry: () => entries.push({ entry: current!, content: Buffer.concat(parts) }),
  });
  for (let offset = 0; offset < bytes.length; offset += pieceSize) parser.push(bytes.subarray(offset, offset + pieceSize));
  parser.finish();
  return entries;
}

const tar = (args: string[], cwd: string) => {
  const result = Bun.spawnSync(["tar", ...args], { cwd });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return result.stdout.toString();
};

const longPath = `media/${"a".repeat(120)}/${"b".repeat(60)}`;
const veryLongPath = `media/${"c".repeat(200)}/${"d".repeat(200)}`;

describe("tar: headers", () => {
  test.each([
    ["short.txt", { prefix: "", name: "short.txt" }],
    [longPath, { prefix: `media/${"a".repeat(120)}`, name: "b".repeat(60) }],
    [veryLongPath, undefined],
    [`${"d".repeat(101)}`, undefined],
  ])("splitUstarPath(%s)", (path, expected) => {
    expect(splitUstarPath(path)).toEqual(expected);
  });

  test.each([
    ["path", "x", "9 path=x\n"],
    ["path", "a".repeat(92), `102 path=${"a".repeat(92)}\n`],
    ["size", "9000000000", "19 size=9000000000\n"],
  ])("paxRecord(%s) counts its own length", (key, value, expected) => {
    expect(paxRecord(key, value)).toBe(expected);
    expect(parsePaxRecords(expected)).toEqual({ [key]: value });
  });

  test("a header round-trips, checksum included", () => {
    const [block] = encodeFileHeader({ path: "secrets/signing.key", size: 59, mode: 0o600, mtime: 1_700_000_000 });
    expect(block!.length).toBe(512);
    expect(decodeHeaderBlock(block!)).toEqual({ name: "secrets/signing.key", size: 59, mode: 0o600, mtime: 1_700_000_000, type: "0" });
  });

  test("a flipped header byte fails the checksum", () => {
    const [block] = encodeFileHeader({ path: "x", size: 1, mode: 0o600, mtime: 0 });
    block![0] = "y".charCodeAt(0);
    expect(() => decodeHeaderBlock(block!)).toThrow("checksum");
  });

  test("sizes of 8 GiB and more get a pax size record", () => {
    const parts = encodeFileHeader({ path: "database/synapse.pgdump", size: 9_000_000_000, mode: 0o600, mtime: 0 });
    expect(parts).toHaveLength(4);
    expect(decodeHeaderBlock(parts[0]!)).toMatchObject({ type: "x" });
    expect(parsePaxRecords(Buffer.from(parts[1]!).toString())).toEqual({ size: "9000000000" });
  });

  test.each([[0, 0], [1, 511], [511, 1], [512, 0], [513, 511]])("paddingFor(%d) = %d", (size, padding) => {
    expect(paddingFor(size)).toBe(padding);
  });
});

describe("tar: writer and parser", () => {
  const files = [
    { path: "config/mxhome.toml", content: Buffer.from("[server]\n") },
    { path: "empty", content: new Uint8Array(0) },
    { path: "exact", content: Buffer.alloc(512, 7) },
    { path: longPath, content: Buffer.from("long") },
    { path: veryLongPath, content: Buffer.alloc(1500, 1), mode: 0o600 },
  ];

  test.each([1, 7, 512, 100_000])("round-trips when pushed in pieces of %d bytes", (pieceSize) => {
    const entries = readTar(writeTar(files), pieceSize);
    expect(entries.map((e) => e.entry.path)).toEqual(files.map((f) => f.path));
    expect(entries.map((e) => e.content.toString("hex"))).toEqual(files.map((f) => Buffer.from(f.content).toString("hex")));
    expect(entries[4]!.entry.mode).toBe(0o600);
  });

  test("the writer refuses an entry with more or fewer bytes than announced", () => {
    const writer = createTarWriter(collect().sink);
    writer.begin({ path: "a", size: 2, mode: 0o644, mtime: 0 });
    expect(() => writer.write(new Uint8Array(3))).toThrow("more data");
    writer.write(new Uint8Array(1));
    expect(() => writer.finishEntry()).toThrow("1 bytes short");
  });

  test.each([
    ["cut inside a file", (b: Buffer) => b.subarray(0, 700)],
    ["cut before the end marker", (b: Buffer) => b.subarray(0, b.length - 1024)],
    ["cut inside the end marker", (b: Buffer) => b.subarray(0, b.length - 100)],
  ])("a truncated archive is refused: %s", (_name, cut) => {
    expect(() => readTar(cut(writeTar(files)))).toThrow("truncated");
  });

  test("data after the end marker is refused", () => {
    const bytes = Buffer.concat([writeTar(files), writeTar(files)]);
    expect(() => readTar(bytes)).toThrow("after the end");
  });

  test("GNU tar lists and extracts what the writer wrote", () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-tar-"));
    writeFileSync(join(dir, "a.tar"), writeTar(files));
    expect(tar(["-tf", "a.tar"], dir).trim().split("\n")).toEqual(files.map((f) => f.path));
    mkdirSync(join(dir, "out"));
    tar(["-xf", "../a.tar"], join(dir, "out"));
    expect(readFileSync(join(dir, "out", veryLongPath))).toEqual(Buffer.alloc(1500, 1));
  });

  test.each(["posix", "gnu", "ustar"])("the parser reads GNU tar's --format=%s (directories skipped)", (format) => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-tar-"));
    mkdirSync(join(dir, "src", "media", "x".repeat(format === "ustar" ? 90 : 150)), { recursive: true });
    const name = join("media", "x".repeat(format === "ustar" ? 90 : 150), "file.bin");
    writeFileSync(join(dir, "src", name), Buffer.alloc(3000, 9));
    writeFileSync(join(dir, "src", "top"), "hi");
    tar([`--format=${format}`, "-cf", "../a.tar", "media", "top"], join(dir, "src"));
    const entries = readTar(readFileSync(join(dir, "a.tar")), 1000);
    expect(entries.map((e) => [e.entry.path, e.content.length])).toEqual([[name, 3000], ["top", 2]]);
  });

  test("links are refused: nothing may point outside the target", () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-tar-"));
    Bun.spawnSync(["ln", "-s", "/etc/passwd", join(dir, "link")]);
    tar(["--format=posix", "-cf", "a.tar", "link"], dir);
    expect(() => readTar(readFileSync(join(dir, "a.tar")))).toThrow("only regular files");
  });
});
