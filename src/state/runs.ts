import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { readTextIfExists, writeFileAtomic } from "../io/fs.ts";

/**
 * The record of a job's last run (purge, kick, backup…), kept in the state
 * dir so `status` and `doctor` can say what ran and how it went. One record
 * per command and kind: runs that are not the job itself (a kick preview, a
 * catch-up) carry a `kind` and are kept apart, so they never stand in for
 * the job's last real run.
 */
export interface RunRecord {
  command: string;
  /** Absent for the job's own runs; e.g. "preview" for a run that only showed what it would do. */
  kind?: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  /** One line for people, e.g. "purged 1,204 events, 37 media (12.4 MB)". */
  summary: string;
  /** The command's own report, as its --json would print it. */
  report?: unknown;
}

const recordFile = (paths: Paths, command: string, kind?: string) => join(paths.runsDir, `${command}${kind ? `.${kind}` : ""}.json`);

export function writeRunRecord(paths: Paths, record: RunRecord): void {
  writeFileAtomic(recordFile(paths, record.command, record.kind), `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

export function readRunRecord(paths: Paths, command: string, kind?: string): RunRecord | undefined {
  const text = readTextIfExists(recordFile(paths, command, kind));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as RunRecord;
  } catch {
    return undefined;
  }
}

export function readAllRunRecords(paths: Paths): RunRecord[] {
  let names: string[];
  try {
    names = readdirSync(paths.runsDir).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  return names
    .map((name) => {
      const [command = "", kind] = name.replace(/\.json$/, "").split(".");
      return readRunRecord(paths, command, kind);
    })
    .filter((r): r is RunRecord => r !== undefined);
}
