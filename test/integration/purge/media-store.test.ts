import { describe, expect, test } from "bun:test";
import { existsSync, linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyDirectories, mediaStoreBytes } from "../../../src/purge/media-store.ts";

/** The media store on a real file system, measured against the real `du`. */
const du = (dir: string) => Number(Bun.spawnSync(["du", "-s", "-B1", dir]).stdout.toString().split("\t")[0]);

function store(): string {
  const root = join(mkdtempSync(join(tmpdir(), "mxhome-media-")), "media_store");
  for (const dir of ["local_content/ab/cd", "local_content/ef/gh", "local_thumbnails/ab/cd/efgh", "remote_content/remote.test/xy/zz", "url_cache"]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  writeFileSync(join(root, "local_content/ab/cd/efgh"), new Uint8Array(10_000));
  writeFileSync(join(root, "local_content/ab/cd/small"), "x");
  linkSync(join(root, "local_content/ab/cd/efgh"), join(root, "local_content/ab/cd/hardlink"));
  symlinkSync("/nonexistent", join(root, "local_content/ef/gh/dangling"));
  return root;
}

describe("the media store", () => {
  test("its size is what `du -s -B1` says (hard links once, directories counted)", () => {
    const root = store();
    expect(mediaStoreBytes(root)).toBe(du(root));
  });

  test("a missing store is 0 bytes and has no empty directories", () => {
    expect(mediaStoreBytes("/nonexistent/media_store")).toBe(0);
    expect(emptyDirectories("/nonexistent/media_store", true)).toEqual([]);
  });

  test("empty directories are listed deepest first, and a dry look removes nothing", () => {
    const root = store();
    const found = emptyDirectories(root, false).map((dir) => dir.slice(root.length + 1));
    expect(found).toEqual([
      "local_thumbnails/ab/cd/efgh",
      "local_thumbnails/ab/cd",
      "local_thumbnails/ab",
      "local_thumbnails",
      "remote_content/remote.test/xy/zz",
      "remote_content/remote.test/xy",
      "remote_content/remote.test",
      "remote_content",
      "url_cache",
    ]);
    expect(existsSync(join(root, "url_cache"))).toBe(true);
  });

  test("removing keeps the store itself, every file, and directories holding anything (even a dangling link)", () => {
    const root = store();
    const before = emptyDirectories(root, false);
    expect(emptyDirectories(root, true)).toEqual(before);
    expect(existsSync(root)).toBe(true);
    for (const kept of ["local_content/ab/cd/efgh", "local_content/ab/cd/small", "local_content/ef/gh"]) expect(existsSync(join(root, kept))).toBe(true);
    expect(Bun.spawnSync(["find", root, "-type", "d", "-empty"]).stdout.toString().trim()).toBe("");
    // An entirely empty store stays.
    const bare = mkdtempSync(join(tmpdir(), "mxhome-media-"));
    expect(emptyDirectories(bare, true)).toEqual([]);
    expect(existsSync(bare)).toBe(true);
  });
});
