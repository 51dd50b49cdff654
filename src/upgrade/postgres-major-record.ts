import type { Paths } from "../config/paths.ts";
import { readTextIfExists } from "../io/fs.ts";
import { type PostgresMajorRecord, postgresMajorRecordFile } from "./postgres-major.ts";

/** The record of the last verified PostgreSQL major upgrade, kept while its old data directory is (`--forget-old-postgres` removes both). */
export function readPostgresMajorRecord(paths: Paths): PostgresMajorRecord | undefined {
  const text = readTextIfExists(postgresMajorRecordFile(paths.stateDir));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as PostgresMajorRecord;
  } catch {
    return undefined;
  }
}
