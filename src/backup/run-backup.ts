import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { synapseDatabase } from "../runtime/database.ts";
import { synapseUrl } from "../runtime/up.ts";
import { acquireLock } from "../state/lock.ts";
import { writeRunRecord } from "../state/runs.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { mxhomeVersion } from "../version.ts";
import { openArchiveWriter } from "./archive-writer.ts";
import { newEncryption } from "./cipher.ts";
import { type BackupSource, collectSources, isSqliteDatabase, snapshotSqlite, walkFiles } from "./collect.ts";
import { databaseMember, isHandOverPassword, type Section } from "./layout.ts";
import type { BackupManifest } from "./manifest.ts";
import { archiveFileName, backupDir, planPrune } from "./naming.ts";
import { createProgress, formatDuration } from "./progress.ts";
import { formatBytes } from "../doctor/format-units.ts";

/**
 * `mxhome backup`: one archive holding a pg_dump of Synapse's database, the
 * signing key and every secret, mxhome.toml and the Synapse overrides,
 * mxhome's credentials and records (the kick ledger), media when asked, and
 * a manifest with every member's SHA-256 and the versions it came from.
 */
export interface BackupOptions {
  /** Destination directory; default `[backup] dir`. */
  to?: string;
  includeMedia: boolean;
  /** Encrypt (see cipher.ts for the format) with `passphrase`, which a dry run may leave out. */
  encrypt?: boolean;
  passphrase?: string;
  /** Marks an archive that `[backup] keep` never prunes, e.g. "pre-restore". */
  label?: string;
  /** False only for the pre-restore backup of a server that has no database yet. */
  includeDatabase?: boolean;
  dryRun?: boolean;
}

export interface BackupReport {
  dryRun: boolean;
  archive: string;
  bytes: number;
  durationMs: number;
  encrypted: boolean;
  includes: { database: boolean; media: boolean };
  /** Files per section (the database dump not counted). */
  files: Record<Exclude<Section, "database">, number>;
  /** Media files deleted between listing and reading (a purge ran meanwhile). */
  vanished: number;
  versions: BackupManifest["versions"];
  /** Older archives deleted to keep `[backup] keep`. */
  pruned: string[];
  /** Files left out that the user should act on: generated passwords still on disk, waiting to be handed over (see isHandOverPassword). */
  leftOut: string[];
}

async function synapseVersion(config: Config): Promise<string> {
  const http = createSynapseHttp(synapseUrl(config), { timeoutMs: 5_000, maxRateLimitRetries: 0 });
  const answer = await http.request<{ server_version: string }>("GET", "/_synapse/admin/v1/server_version").catch(() => undefined);
  return answer?.server_version ?? "unknown (Synapse was not reachable)";
}

function countFiles(sources: BackupSource[]): BackupReport["files"] {
  const files = { config: 0, secrets: 0, state: 0, media: 0 };
  for (const source of sources) if (source.section !== "database") files[source.section]++;
  return files;
}

function prune(dir: string, config: Config, keep: number): string[] {
  const doomed = planPrune(readdirSync(dir), config.server.server_name, keep);
  for (const file of doomed) rmSync(join(dir, file), { force: true });
  return doomed.map((file) => join(dir, file));
}

export async function runBackup(paths: Paths, config: Config, options: BackupOptions): Promise<BackupReport> {
  const started = Date.now();
  const dir = options.to ?? backupDir(paths, config.backup.dir);
  const encrypted = Boolean(options.encrypt);
  if (encrypted && !options.dryRun && !options.passphrase) throw new Error("runBackup: encrypt without a passphrase");
  const archive = join(dir, archiveFileName(config.server.server_name, new Date(started), { encrypted, label: options.label }));
  const includes = { database: options.includeDatabase ?? true, media: options.includeMedia };
  const sources = collectSources(paths, { includeMedia: options.includeMedia });
  const report: BackupReport = {
    dryRun: Boolean(options.dryRun),
    archive,
    bytes: 0,
    durationMs: 0,
    encrypted,
    includes,
    files: countFiles(sources),
    vanished: 0,
    versions: { mxhome: mxhomeVersion, synapse: "", postgres: "" },
    pruned: [],
    leftOut: walkFiles(paths.credentialsDir)
      .map((file) => `credentials/${file.path}`)
      .filter(isHandOverPassword)
      .map((relative) => join(paths.stateDir, relative)),
  };
  if (options.dryRun) {
    report.bytes = sources.reduce((total, source) => total + source.size, 0);
    report.pruned = options.label ? [] : planPrune([...safeList(dir), archive.slice(dir.length + 1)], config.server.server_name, config.backup.keep).map((f) => join(dir, f));
    return report;
  }

  const release = acquireLock(paths, "backup");
  const temporary: string[] = [];
  const scratch = (suffix: string) => {
    const file = join(dir, `.mxhome-backup-${randomBytes(6).toString("hex")}${suffix}`);
    temporary.push(file);
    return file;
  };
  const startedAt = new Date(started).toISOString();
  try {
    const database = synapseDatabase(paths, config);
    report.versions.synapse = await synapseVersion(config);
    if (includes.database) {
      report.versions.postgres = await database.serverVersion().catch((error: Error) => {
        throw new MxError(`PostgreSQL is not reachable, so there is no database to back up: ${(error.message.split("\n")[1] ?? error.message).trim()}`, {
          code: "backup.database-unreachable",
          hint: "A backup needs the database running: `mxhome up` starts it; `mxhome logs postgres` shows why it stopped.",
          cause: error,
        });
      });
    }
    // Only once the dump can start: a backup that cannot run leaves no new (empty) directory behind.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let dump: string | undefined;
    if (includes.database) {
      log.start(`Dumping Synapse's database (pg_dump, PostgreSQL ${report.versions.postgres.split(" ")[0]})…`);
      dump = scratch(".pgdump");
      closeSync(openSync(dump, "wx", 0o600));
      await database.dump(dump);
    }
    for (const source of sources.filter((s) => s.section === "state" && isSqliteDatabase(s.file))) {
      const snapshot = scratch(".sqlite");
      await snapshotSqlite(source.file, snapshot);
      source.file = snapshot;
    }
    const partial = scratch(".partial");
    log.start(`Writing ${archive}${encrypted ? " (encrypted; deriving the key takes a second)" : ""}…`);
    const writer = openArchiveWriter(partial, options.passphrase && encrypted ? newEncryption(options.passphrase) : undefined);
    try {
      if (dump) writer.addFile(databaseMember, dump);
      const total = sources.reduce((sum, source) => sum + source.size, 0);
      const progress = createProgress("Archived", total);
      let done = 0;
      for (const source of sources) {
        if (!writer.addFile(source.member, source.file)) report.vanished++;
        progress((done += source.size));
      }
      const manifest = { format: "mxhome-backup", formatVersion: 1, createdAt: startedAt, serverName: config.server.server_name } as const;
      report.bytes = writer.finish({ ...manifest, runtime: config.runtime.kind, includes, versions: report.versions }).bytes;
    } catch (error) {
      writer.abort();
      throw error;
    }
    renameSync(partial, archive);
    if (!options.label) report.pruned = prune(dir, config, config.backup.keep);
    report.durationMs = Date.now() - started;
    log.success(`Backup written: ${archive} (${formatBytes(report.bytes)} in ${formatDuration(report.durationMs)})`);
    const summary = `${formatBytes(report.bytes)}${report.encrypted ? ", encrypted" : ""}${includes.media ? ", with media" : ""} → ${archive}`;
    writeRunRecord(paths, { command: "backup", startedAt, finishedAt: new Date().toISOString(), ok: true, summary, report });
    return report;
  } catch (error) {
    const summary = (error as Error).message.split("\n")[0] ?? "failed";
    writeRunRecord(paths, { command: "backup", startedAt, finishedAt: new Date().toISOString(), ok: false, summary });
    throw error;
  } finally {
    for (const file of temporary) rmSync(file, { force: true });
    release();
  }
}

function safeList(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}
