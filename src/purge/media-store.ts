import { lstatSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The media store on disk. Its size is measured the way `du -s -B1` does
 * (allocated blocks of every file and directory, hard links once), so the
 * report matches what `du` says. Empty directories are removed bottom-up —
 * never the store itself, never one with anything in it.
 */
function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** Bytes on disk under `dir`, like `du -s -B1`; 0 when it does not exist. */
export function mediaStoreBytes(dir: string): number {
  const seen = new Set<string>();
  const walk = (path: string): number => {
    let stat;
    try {
      stat = lstatSync(path, { bigint: true });
    } catch (error) {
      if (errno(error) === "ENOENT") return 0; // deleted while we looked
      throw error;
    }
    const key = `${stat.dev}:${stat.ino}`;
    if (seen.has(key)) return 0;
    seen.add(key);
    let bytes = Number(stat.blocks) * 512;
    if (stat.isDirectory()) for (const name of readdirSync(path)) bytes += walk(join(path, name));
    return bytes;
  };
  return walk(dir);
}

/**
 * Empty directories below `root`, deepest first: those removing them would
 * remove (a directory holding only empty directories counts as empty).
 * With `remove`, they are removed as found.
 */
export function emptyDirectories(root: string, remove: boolean): string[] {
  const found: string[] = [];
  // True when `dir` holds nothing but empty directories (which are then listed).
  const visit = (dir: string): boolean => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (error) {
      if (errno(error) === "ENOENT" || errno(error) === "ENOTDIR") return false;
      throw error;
    }
    let empty = true;
    for (const name of names) {
      const path = join(dir, name);
      if (!isDirectory(path) || !visit(path)) {
        empty = false;
        continue;
      }
      if (!remove) found.push(path);
      else if (tryRemove(path)) found.push(path);
      else empty = false;
    }
    return empty;
  };
  visit(root);
  return found;
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch (error) {
    if (errno(error) === "ENOENT") return false;
    throw error;
  }
}

/** rmdir only ever removes an empty directory; one that filled up meanwhile (a new upload) stays. */
function tryRemove(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (error) {
    if (errno(error) === "ENOTEMPTY" || errno(error) === "EEXIST" || errno(error) === "ENOENT") return false;
    throw error;
  }
}
