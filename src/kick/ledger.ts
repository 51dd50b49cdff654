import { Database } from "bun:sqlite";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { ensurePrivateDir } from "../io/fs.ts";
import { MxError } from "../ui/errors.ts";
import { LedgerStore } from "./ledger-store.ts";

/**
 * The evidence ledger: one SQLite file (bun:sqlite) in the state dir, 0600.
 * Its schema is versioned with `PRAGMA user_version` and migrated forward
 * in a transaction. A missing or unreadable ledger is rebuilt with tracking
 * restarted (the unreadable file is kept beside it), so it can only ever
 * delay a removal, never cause one. A ledger from a newer mxhome stops
 * with an error instead of being touched.
 */
export const ledgerFile = (paths: Paths) => join(paths.stateDir, "kick", "ledger.sqlite");

/** migrations[n] takes a ledger from version n to n + 1. */
const migrations: string[][] = [
  [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    `CREATE TABLE rooms (room_id TEXT PRIMARY KEY, is_space INTEGER NOT NULL DEFAULT 0, observed_since INTEGER NOT NULL,
       power_levels TEXT, create_content TEXT)`,
    `CREATE TABLE memberships (room_id TEXT NOT NULL, user_id TEXT NOT NULL, membership TEXT NOT NULL,
       since INTEGER NOT NULL, first_observed INTEGER NOT NULL, PRIMARY KEY (room_id, user_id))`,
    "CREATE INDEX memberships_by_user ON memberships (user_id)",
    `CREATE TABLE activity (user_id TEXT NOT NULL, source TEXT NOT NULL, ts INTEGER NOT NULL, room_id TEXT,
       PRIMARY KEY (user_id, source))`,
  ],
];
export const ledgerSchemaVersion = migrations.length;
const requiredTables = ["meta", "rooms", "memberships", "activity"];

export type LedgerState = "opened" | "created" | "rebuilt";

export interface OpenedLedger {
  store: LedgerStore;
  state: LedgerState;
  /** Why it was rebuilt, for the report. */
  note?: string;
  /** Where an unreadable ledger was moved. */
  movedAside?: string;
}

function migrate(db: Database, from: number): void {
  db.transaction(() => {
    for (let version = from; version < migrations.length; version++) for (const statement of migrations[version]!) db.run(statement);
    db.run(`PRAGMA user_version = ${migrations.length}`);
  })();
}

/** Why an existing file can't be used as a ledger, or undefined when it can; throws for a newer schema. */
function inspect(db: Database, file: string): string | undefined {
  const check = db.query<{ quick_check: string }, []>("PRAGMA quick_check").all();
  if (check[0]?.quick_check !== "ok") return `it failed SQLite's integrity check (${check[0]?.quick_check ?? "no answer"})`;
  const version = db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
  if (version > ledgerSchemaVersion) {
    throw new MxError(`The kick ledger ${file} was written by a newer mxhome (schema ${version}; this one knows ${ledgerSchemaVersion}).`, {
      code: "kick.ledger-newer",
      hint: "Run the newer mxhome again, or move the file away to start tracking afresh (nobody is removed until tracking covers [kick] after_days).",
    });
  }
  if (version === 0) return undefined;
  const tables = new Set(db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((row) => row.name));
  const missing = requiredTables.filter((table) => !tables.has(table));
  return missing.length ? `tables are missing: ${missing.join(", ")}` : undefined;
}

function create(file: string, now: number): Database {
  ensurePrivateDir(dirname(file));
  const db = new Database(file, { create: true, strict: true });
  chmodSync(file, 0o600);
  migrate(db, 0);
  const meta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  meta.run("ledger_id", randomUUID());
  meta.run("created_at", String(now));
  return db;
}

/**
 * Opens the ledger, creating it on the first run. `hadLedger` says whether an
 * earlier run made one, so a vanished file is reported as a rebuild.
 */
export function openLedger(file: string, now: number, hadLedger: boolean): OpenedLedger {
  if (!existsSync(file)) {
    const store = new LedgerStore(create(file, now));
    if (!hadLedger) return { store, state: "created" };
    return { store, state: "rebuilt", note: `${file} was missing; tracking restarted` };
  }
  let db: Database | undefined;
  let problem: string | undefined;
  try {
    db = new Database(file, { strict: true });
    problem = inspect(db, file);
  } catch (error) {
    if (error instanceof MxError) throw error;
    const code = (error as { code?: string }).code;
    // Only a damaged file is set aside; one mxhome may not open (permissions, a full disk) is left alone.
    if (code !== "SQLITE_NOTADB" && code !== "SQLITE_CORRUPT") {
      throw new MxError(`Cannot open the kick ledger ${file}: ${(error as Error).message}`, {
        code: "kick.ledger-unopenable",
        hint: `Check that ${file} and its directory belong to you and the disk has room (ls -l ${dirname(file)}; df -h ${dirname(file)}).`,
        cause: error,
      });
    }
    problem = (error as Error).message;
  }
  if (db && problem === undefined) {
    const version = db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
    if (version === 0) {
      db.close();
      return { store: new LedgerStore(create(file, now)), state: hadLedger ? "rebuilt" : "created", note: hadLedger ? `${file} was empty; tracking restarted` : undefined };
    }
    if (version < ledgerSchemaVersion) migrate(db, version);
    return { store: new LedgerStore(db), state: "opened" };
  }
  db?.close();
  // Never delete what the user didn't ask to delete: the unreadable file stays, renamed.
  const movedAside = `${file}.unreadable-${new Date(now).toISOString().replace(/[:.]/g, "-")}`;
  renameSync(file, movedAside);
  for (const suffix of ["-journal", "-wal", "-shm"]) if (existsSync(file + suffix)) renameSync(file + suffix, movedAside + suffix);
  return { store: new LedgerStore(create(file, now)), state: "rebuilt", note: `${file} was unreadable (${problem}); tracking restarted`, movedAside };
}
