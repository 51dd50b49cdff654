import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { readRunRecord } from "../state/runs.ts";
import { backupDir, listArchives } from "./naming.ts";

/**
 * For `mxhome status` and `mxhome doctor`: the newest archive on disk and
 * the last `mxhome backup` run. Reads only; never throws for a missing dir.
 */
export interface LastBackup {
  /** The newest archive of this server in the backup dir (and where the last run wrote), if any. */
  newest?: { file: string; bytes: number; createdAt: string; encrypted: boolean; label?: string };
  /** Whole days since `newest` was made. */
  ageDays?: number;
  /** The last `mxhome backup` run, whether it succeeded or not. */
  lastRun?: { ok: boolean; finishedAt: string; summary: string };
  /** Where `mxhome backup` writes by default. */
  dir: string;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function lastBackup(paths: Paths, config?: Config, now = new Date()): LastBackup {
  const record = readRunRecord(paths, "backup");
  const recordedArchive = (record?.report as { archive?: unknown } | undefined)?.archive;
  const dir = backupDir(paths, config?.backup.dir ?? "");
  const dirs = [...new Set([dir, ...(typeof recordedArchive === "string" ? [dirname(recordedArchive)] : [])])];
  const archives = dirs.flatMap((where) => listArchives(listDir(where), config?.server.server_name).map((name) => ({ ...name, file: join(where, name.file) })));
  const newest = archives.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  const result: LastBackup = { dir };
  if (record) result.lastRun = { ok: record.ok, finishedAt: record.finishedAt, summary: record.summary };
  if (newest) {
    const bytes = statSync(newest.file, { throwIfNoEntry: false })?.size ?? 0;
    result.newest = { file: newest.file, bytes, createdAt: newest.createdAt.toISOString(), encrypted: newest.encrypted, ...(newest.label ? { label: newest.label } : {}) };
    result.ageDays = Math.floor((now.getTime() - newest.createdAt.getTime()) / 86_400_000);
  }
  return result;
}
