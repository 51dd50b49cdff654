import { join } from "node:path";
import { loadServiceToken } from "../accounts/index.ts";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { readTextIfExists, writeFileAtomic } from "../io/fs.ts";
import { synapseSql } from "../runtime/sql.ts";
import { synapseUrl } from "../runtime/up.ts";
import { acquireLock } from "../state/lock.ts";
import { writeRunRecord } from "../state/runs.ts";
import { synapseAdmin } from "../synapse/admin.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
import { askYesNo } from "../ui/ask-line.ts";
import { log } from "../ui/logger.ts";
import type { PurgeIo } from "./context.ts";
import { resolveCutoff } from "./cutoff.ts";
import type { DeadRoom } from "./dead-rooms.ts";
import { summarizePurge } from "./report.ts";
import { runPurge } from "./run.ts";
import type { PurgeReport } from "./types.ts";

/**
 * `mxhome purge` wired to this machine: mxhome's service token, Synapse on
 * loopback, SQL through the runtime, the lock (a timer run and a manual run
 * never overlap), and a run record for `status` and `doctor`.
 */
export interface PurgeCommandOptions {
  dryRun: boolean;
  yes: boolean;
  vacuumFull: boolean;
  olderThan?: string;
  asOf?: string;
  /** stdin is a terminal and this is not CI: dead rooms may be asked about. */
  interactive: boolean;
}

/** Synapse runs 5 background tasks at a time (task_scheduler.max_concurrent_tasks); more in flight only queue. */
export const roomConcurrency = 5;

export const deadRoomsConfirmationFile = (paths: Paths) => join(paths.stateDir, "purge-dead-rooms-confirmed.json");

function deadRoomsConfirmation(paths: Paths): PurgeIo["deadRoomsConfirmation"] {
  const file = deadRoomsConfirmationFile(paths);
  return {
    confirmed: () => readTextIfExists(file) !== undefined,
    remember: (via) => writeFileAtomic(file, `${JSON.stringify({ confirmedAt: new Date().toISOString(), via }, null, 2)}\n`, 0o600),
  };
}

async function askAboutDeadRooms(rooms: DeadRoom[]): Promise<boolean> {
  log.warn(`${rooms.length} room(s) have no local member left:\n${rooms.map((room) => `  ${room.roomId}${room.name ? ` "${room.name}"` : ""}`).join("\n")}`);
  return await askYesNo("Delete them and everything in them? Later runs delete dead rooms without asking.");
}

export function purgeIo(paths: Paths, config: Config, interactive: boolean): PurgeIo {
  const token = loadServiceToken(paths);
  const url = synapseUrl(config);
  return {
    admin: synapseAdmin(createSynapseHttp(url, { timeoutMs: 120_000 }), token),
    bulkAdmin: synapseAdmin(createSynapseHttp(url, { timeoutMs: 3_600_000 }), token),
    sql: synapseSql(paths, config),
    mediaStoreDir: paths.mediaStoreDir,
    now: () => new Date(),
    progress: (message) => log.info(message),
    confirmDeadRooms: interactive ? askAboutDeadRooms : undefined,
    deadRoomsConfirmation: deadRoomsConfirmation(paths),
  };
}

export async function purge(paths: Paths, config: Config, options: PurgeCommandOptions, io?: PurgeIo): Promise<PurgeReport> {
  // Usage errors (a bad --older-than) come before the lock and leave no record.
  const cutoff = resolveCutoff({ now: new Date(), retentionDays: config.retention.days, olderThan: options.olderThan, asOf: options.asOf });
  const release = options.dryRun ? undefined : acquireLock(paths, "purge");
  if (options.vacuumFull) {
    log.warn("--vacuum-full rewrites every table and locks each one meanwhile: Synapse stalls until it is done, and it needs free disk about the size of the largest table.");
  }
  const startedAt = new Date().toISOString();
  try {
    const kick = config.kick;
    const report = await runPurge({
      io: io ?? purgeIo(paths, config, options.interactive),
      options: {
        dryRun: options.dryRun,
        yes: options.yes,
        vacuumFull: options.vacuumFull,
        cutoff,
        serverName: config.server.server_name,
        purgeDeadRooms: config.retention.purge_dead_rooms,
        protectedRooms: [...(kick.scope === "space" ? [] : [kick.scope]), ...kick.rooms],
        concurrency: roomConcurrency,
      },
    });
    if (!options.dryRun) writeRunRecord(paths, { command: "purge", startedAt, finishedAt: new Date().toISOString(), ok: report.ok, summary: summarizePurge(report), report });
    return report;
  } catch (error) {
    // Only setup can throw here (no token yet); runPurge itself reports its errors.
    if (!options.dryRun) writeRunRecord(paths, { command: "purge", startedAt, finishedAt: new Date().toISOString(), ok: false, summary: (error as Error).message.split("\n")[0]! });
    throw error;
  } finally {
    release?.();
  }
}

/** The error a failed run exits with (1), after its report was printed. */
export function purgeFailure(report: PurgeReport): MxError | undefined {
  if (!report.error) return undefined;
  return new MxError(report.error.message, { code: report.error.code, hint: report.error.hint });
}
