import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join, relative } from "node:path";
import type { Paths } from "../config/paths.ts";
import { configMember, isArchivedState, overridesMember, type Section } from "./layout.ts";

/**
 * Effectful: finds the files a backup holds (everything but the database
 * dump), as archive members with their source files and sizes.
 */
export interface BackupSource {
  member: string;
  file: string;
  size: number;
  section: Section;
}

/** Regular files under `dir`, recursively, relative to it; symlinks and sockets are never followed or archived. */
export function walkFiles(dir: string): { path: string; size: number }[] {
  const found: { path: string; size: number }[] = [];
  const visit = (current: string) => {
    let names: string[];
    try {
      names = readdirSync(current).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const name of names) {
      const path = join(current, name);
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) visit(path);
      else if (stat?.isFile()) found.push({ path: relative(dir, path), size: stat.size });
    }
  };
  visit(dir);
  return found;
}

const sqliteMagic = "SQLite format 3\u0000";

/** Whether a file is an SQLite database (the kick ledger): those are snapshotted, not copied. */
export function isSqliteDatabase(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString("latin1") === sqliteMagic;
  } finally {
    closeSync(fd);
  }
}

export function collectSources(paths: Paths, options: { includeMedia: boolean }): BackupSource[] {
  const sources: BackupSource[] = [];
  const size = (file: string) => lstatSync(file).size;
  sources.push({ member: configMember, file: paths.configFile, size: size(paths.configFile), section: "config" });
  if (existsSync(paths.synapseOverridesFile)) {
    sources.push({ member: overridesMember, file: paths.synapseOverridesFile, size: size(paths.synapseOverridesFile), section: "config" });
  }
  for (const file of walkFiles(paths.secretsDir).filter((entry) => !entry.path.includes("/"))) {
    sources.push({ member: `secrets/${file.path}`, file: join(paths.secretsDir, file.path), size: file.size, section: "secrets" });
  }
  for (const file of walkFiles(paths.stateDir).filter((entry) => isArchivedState(entry.path))) {
    sources.push({ member: `state/${file.path}`, file: join(paths.stateDir, file.path), size: file.size, section: "state" });
  }
  if (options.includeMedia) {
    for (const file of walkFiles(paths.mediaStoreDir)) {
      sources.push({ member: `media/${file.path}`, file: join(paths.mediaStoreDir, file.path), size: file.size, section: "media" });
    }
  }
  return sources;
}

/** A consistent copy of a live SQLite database (its WAL folded in), via `VACUUM INTO`. */
export async function snapshotSqlite(file: string, into: string): Promise<void> {
  const { Database } = await import("bun:sqlite");
  const database = new Database(file);
  try {
    database.query("VACUUM INTO ?").run(into);
  } finally {
    database.close();
  }
}
