import { dirname, join } from "node:path";
import type { Blocker } from "../runtime/runtime.ts";
import { postgresMajor, type UpgradeStep } from "./versions.ts";

/**
 * Pure: a PostgreSQL major upgrade, planned. A newer major cannot open the
 * old data directory, so the data moves by dump and load: stop Synapse and
 * the timers, dump, move the old data directory aside (kept until
 * `--forget-old-postgres`), create the new cluster (UTF-8, collation and
 * ctype C), load stopping on the first error, start, and verify row counts
 * and Synapse's health. The effects are in postgres-major-run.ts.
 */
export interface PostgresMajorAction {
  kind: "postgres-major";
  from: string;
  to: string;
  dataDir: string;
  /** Where the old data directory is moved; never deleted by mxhome on its own. */
  oldDir: string;
  /** The dump the new cluster is loaded from (deleted once the new cluster is verified). */
  dumpFile: string;
}

/** What planning needs to know about the machine, observed by the caller. */
export interface PostgresMajorFacts {
  dataDir: string;
  /** Natively: the old major's programs (pg_dump, pg_ctl) are installed. Podman: the image has them (always true). */
  oldProgramsPresent: boolean;
  /** Something is already at the old directory's place (an earlier upgrade not yet forgotten). */
  oldDirTaken: boolean;
}

export const oldClusterDir = (dataDir: string, major: string) => `${dataDir}-${major}.old`;
export const majorDumpFile = (dataDir: string, from: string, to: string) => join(dirname(dataDir), `postgres-${from}-to-${to}.dump`);

export function planPostgresMajor(step: UpgradeStep, facts: PostgresMajorFacts): { action: PostgresMajorAction } | { refusal: Blocker } {
  // "15" and "17", also from image tags like "17.6-alpine": directory names and messages speak of majors.
  const from = postgresMajor(step.from!) ?? step.from!;
  const to = postgresMajor(step.to!) ?? step.to!;
  const oldDir = oldClusterDir(facts.dataDir, from);
  if (!facts.oldProgramsPresent) {
    return {
      refusal: {
        code: "upgrade.postgres-old-programs-missing",
        message: `The cluster in ${facts.dataDir} was written by PostgreSQL ${from}, whose programs (pg_ctl, pg_dump) are not installed any more: nothing can read it to move it to ${to}.`,
        fix: `Install them again (Debian/Ubuntu: \`sudo apt install postgresql-${from}\`; elsewhere your distribution's PostgreSQL ${from} server package), then run \`mxhome upgrade\`.`,
      },
    };
  }
  if (facts.oldDirTaken) {
    return {
      refusal: {
        code: "upgrade.postgres-old-dir-taken",
        message: `${oldDir} already exists (the data directory of an earlier PostgreSQL ${from} upgrade?); the current one cannot be moved there.`,
        fix: `If it is the old directory of a verified upgrade, \`mxhome upgrade --forget-old-postgres\` removes it; otherwise move it away yourself. Then run \`mxhome upgrade\` again.`,
      },
    };
  }
  return { action: { kind: "postgres-major", from, to, dataDir: facts.dataDir, oldDir, dumpFile: majorDumpFile(facts.dataDir, from, to) } };
}

export function describePostgresMajor(action: PostgresMajorAction): string {
  return (
    `PostgreSQL ${action.from} → ${action.to}: stop Synapse and the timers, dump Synapse's database to ${action.dumpFile}, ` +
    `move ${action.dataDir} aside to ${action.oldDir} (kept), create a PostgreSQL ${action.to} cluster (UTF-8, collation and ctype C), ` +
    `load the dump (stopping on the first error), start and verify row counts and Synapse's health (on failure: back to the old cluster)`
  );
}

/** WAL and the template databases a fresh cluster holds besides the data. */
export const clusterOverheadBytes = 96 * 1024 ** 2;

/**
 * Pure: what a major upgrade writes besides the archive: the dump (at most the
 * database's size; custom-format dumps are compressed) beside the data
 * directory, and the new cluster (the databases again, plus its overhead).
 */
export function postgresMajorDiskNeeds(action: PostgresMajorAction, measured: { databaseBytes: number; clusterBytes: number }): { what: string; dir: string; bytes: number }[] {
  return [
    { what: `the PostgreSQL ${action.from} dump`, dir: dirname(action.dumpFile), bytes: measured.databaseBytes },
    { what: `the new PostgreSQL ${action.to} cluster`, dir: dirname(action.dataDir), bytes: measured.clusterBytes + clusterOverheadBytes },
  ];
}

/** Tables whose row counts must be the same after the load: who, where, what was said, and the media. */
export const keyTables = ["users", "profiles", "devices", "access_tokens", "rooms", "room_memberships", "events", "state_events", "local_media_repository"] as const;

/** Pure: one query counting every key table that exists (a table a Synapse version lacks counts as absent, not as an error). */
export function rowCountsSql(tables: readonly string[] = keyTables): string {
  const list = tables.map((table) => `'${table}'`).join(", ");
  return [
    "SELECT c.relname, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text",
    `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname IN (${list}) ORDER BY 1`,
  ].join(" ");
}

export type RowCounts = Record<string, number>;

export const parseRowCounts = (rows: string[][]): RowCounts => Object.fromEntries(rows.map(([table, count]) => [table!, Number(count)]));

/** Pure: every table whose count differs (or went missing) after the load, as "events: 1200 → 1100". */
export function countMismatches(before: RowCounts, after: RowCounts): string[] {
  return Object.entries(before)
    .filter(([table, count]) => after[table] !== count)
    .map(([table, count]) => `${table}: ${count} → ${after[table] ?? "missing"}`);
}

/** The state-dir record of a verified major upgrade: what `--forget-old-postgres` may remove. */
export interface PostgresMajorRecord {
  from: string;
  to: string;
  dataDir: string;
  oldDir: string;
  upgradedAt: string;
  counts: RowCounts;
}

export const postgresMajorRecordFile = (stateDir: string) => join(stateDir, "postgres-major-upgrade.json");

/**
 * Pure: whether `--forget-old-postgres` may remove the recorded old directory:
 * only after a verified upgrade, and while the deployment still runs the new major.
 */
export function judgeForget(record: PostgresMajorRecord | undefined, deployedMajor: string | undefined): { remove: string } | { refusal: Blocker } {
  if (!record) {
    return {
      refusal: {
        code: "upgrade.no-old-postgres",
        message: "No old PostgreSQL data directory is recorded: `mxhome upgrade` records one only after a major upgrade was verified.",
        fix: "Nothing to forget. `mxhome upgrade --check` shows what runs.",
      },
    };
  }
  if (deployedMajor !== record.to) {
    return {
      refusal: {
        code: "upgrade.old-postgres-still-needed",
        message: `The deployment runs PostgreSQL ${deployedMajor ?? "(unknown)"}, not the ${record.to} that ${record.oldDir} was upgraded to: it may still be needed.`,
        fix: `Check with \`mxhome upgrade --check\`; remove ${record.oldDir} yourself only when you are sure.`,
      },
    };
  }
  return { remove: record.oldDir };
}
