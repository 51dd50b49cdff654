import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { writeFileAtomic } from "../io/fs.ts";
import type { ServiceName } from "../render/types.ts";
import { parseSystemdUser, recordSystemdUser, systemctlUser } from "../runtime/host/systemd-user.ts";
import { runtimeFor } from "../runtime/select.ts";
import { desiredFor } from "../runtime/up.ts";
import { MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { type PostgresClusterAdapter, postgresClusterAdapter, removeDataDir } from "./postgres-cluster.ts";
import {
  countMismatches,
  judgeForget,
  type PostgresMajorAction,
  type PostgresMajorRecord,
  parseRowCounts,
  postgresMajorRecordFile,
  type RowCounts,
  rowCountsSql,
} from "./postgres-major.ts";
import { deployedVersions } from "./deployed.ts";
import { readPostgresMajorRecord } from "./postgres-major-record.ts";
import { postgresMajor } from "./versions.ts";

/**
 * `mxhome upgrade`'s PostgreSQL major step, for both runtimes (the
 * differences are in postgres-cluster.ts). Nothing is deleted: the old data
 * directory is moved aside and recorded; `--forget-old-postgres` removes it.
 * A failure after the move goes back to the old cluster and says so.
 */
export interface PostgresMajorOutcome {
  from: string;
  to: string;
  oldDir: string;
  dumpBytes: number;
  /** Row counts of the key tables, the same before and after. */
  counts: RowCounts;
}

/** The timers that run now (they would use the database): stopped for the upgrade, started again after. */
async function activeTimers(timers: string[]): Promise<string[]> {
  if (!timers.length) return [];
  const systemd = parseSystemdUser(await recordSystemdUser(timers));
  return timers.filter((timer) => systemd.units[timer]?.active === "active");
}

interface Services {
  timers: string[];
  /** Synapse and Caddy, those that ran, in start order. */
  running: ServiceName[];
}

async function stopClients(paths: Paths, config: Config, mxhomeBinary: string): Promise<Services> {
  const runtime = runtimeFor(paths, config);
  const desired = desiredFor(paths, config, runtime, mxhomeBinary);
  const timers = await activeTimers(desired.timers);
  const states = await runtime.serviceStates();
  const running = (["synapse", "caddy"] as const).filter((service) => states[service] === "running");
  log.start(`Stopping ${[...running.map((service) => (service === "synapse" ? "Synapse" : "Caddy")), ...(timers.length ? ["the timers"] : [])].join(", ") || "nothing (Synapse is not running)"}…`);
  if (timers.length) await systemctlUser(["stop", ...timers]);
  for (const service of [...running].reverse()) await runtime.apply({ kind: "stop", service }, desired);
  return { timers, running };
}

/** Synapse (waiting for /health), Caddy and the timers again, on whichever cluster runs now. */
async function startClients(paths: Paths, config: Config, mxhomeBinary: string, services: Services): Promise<void> {
  const runtime = runtimeFor(paths, config);
  const desired = desiredFor(paths, config, runtime, mxhomeBinary);
  for (const service of services.running) {
    log.start(`Starting ${service === "synapse" ? "Synapse (waiting for /health)" : "Caddy"}…`);
    await runtime.apply({ kind: "start", service, reason: "after the PostgreSQL upgrade" }, desired);
  }
  if (services.timers.length) await systemctlUser(["start", ...services.timers]);
}

const firstLine = (error: unknown) => ((error as Error).message.split("\n")[0] ?? "").replace(/\.$/, "");

export async function runPostgresMajor(paths: Paths, config: Config, action: PostgresMajorAction, options: { mxhomeBinary: string }): Promise<PostgresMajorOutcome> {
  const cluster = postgresClusterAdapter(paths, config, action, options.mxhomeBinary);
  await cluster.prepare();
  const services = await stopClients(paths, config, options.mxhomeBinary);
  let counts: RowCounts;
  try {
    counts = parseRowCounts(await cluster.query(rowCountsSql()));
    log.start(`Dumping Synapse's database from PostgreSQL ${action.from} to ${action.dumpFile}…`);
    await cluster.dump(action.dumpFile);
    log.start(`Stopping PostgreSQL ${action.from}…`);
    await cluster.stop();
  } catch (error) {
    // Nothing was moved and PostgreSQL still runs (stopping it is the last step above): only Synapse needs to start again.
    rmSync(action.dumpFile, { force: true });
    await startClients(paths, config, options.mxhomeBinary, services).catch(() => undefined);
    throw new MxError(`PostgreSQL ${action.from} → ${action.to}: ${firstLine(error)}. Nothing was moved; Synapse was started again on PostgreSQL ${action.from}.\n${(error as Error).message}`, {
      code: "upgrade.postgres-dump-failed",
      hint: "`mxhome doctor` and `mxhome logs postgres` show what is wrong; then run `mxhome upgrade` again.",
      cause: error,
    });
  }
  const dumpBytes = statSync(action.dumpFile).size;
  log.start(`Moving ${action.dataDir} aside to ${action.oldDir} (kept)…`);
  renameSync(action.dataDir, action.oldDir);
  try {
    log.start(`Creating the PostgreSQL ${action.to} cluster (UTF-8, collation and ctype C)…`);
    await cluster.startNew();
    log.start(`Loading the dump into PostgreSQL ${action.to} (one transaction, stopping on the first error)…`);
    await cluster.load(action.dumpFile);
    const after = parseRowCounts(await cluster.query(rowCountsSql()));
    const mismatches = countMismatches(counts, after);
    if (mismatches.length) throw new MxError(`row counts differ after the load: ${mismatches.join(", ")}`, { code: "upgrade.postgres-counts-differ" });
    await startClients(paths, config, options.mxhomeBinary, services);
  } catch (error) {
    return rollBack(paths, config, action, cluster, services, error, options.mxhomeBinary);
  }
  const record: PostgresMajorRecord = { from: action.from, to: action.to, dataDir: action.dataDir, oldDir: action.oldDir, upgradedAt: new Date().toISOString(), counts };
  writeFileAtomic(postgresMajorRecordFile(paths.stateDir), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  rmSync(action.dumpFile, { force: true });
  return { from: action.from, to: action.to, oldDir: action.oldDir, dumpBytes, counts };
}

/** The new cluster failed: it is stopped and moved aside for a look, the old one moved back and started with Synapse. */
async function rollBack(
  paths: Paths,
  config: Config,
  action: PostgresMajorAction,
  cluster: PostgresClusterAdapter,
  services: Services,
  failure: unknown,
  mxhomeBinary: string,
): Promise<never> {
  const why = firstLine(failure);
  log.warn(`PostgreSQL ${action.to} failed (${why}); going back to PostgreSQL ${action.from}…`);
  const failedDir = `${action.dataDir}-${action.to}.failed-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const done: string[] = [];
  try {
    const runtime = runtimeFor(paths, config);
    const desired = desiredFor(paths, config, runtime, mxhomeBinary);
    for (const service of ["caddy", "synapse"] as const) await runtime.apply({ kind: "stop", service }, desired).catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    if (existsSync(action.dataDir)) {
      renameSync(action.dataDir, failedDir);
      done.push(`moved the new PostgreSQL ${action.to} directory aside to ${failedDir}`);
    }
    renameSync(action.oldDir, action.dataDir);
    done.push(`moved ${action.oldDir} back to ${action.dataDir}`);
    await cluster.startOld();
    done.push(`started PostgreSQL ${action.from} again`);
    await startClients(paths, config, mxhomeBinary, services);
    done.push("started Synapse again");
  } catch (error) {
    throw new MxError(
      `PostgreSQL ${action.from} → ${action.to} failed (${why}), and going back failed too: ${firstLine(error)}.${done.length ? ` Done so far: ${done.join("; ")}.` : ""}`,
      {
        code: "upgrade.postgres-rollback-failed",
        hint: `The old cluster is ${existsSync(action.oldDir) ? action.oldDir : action.dataDir} (untouched), the dump ${action.dumpFile}, and the pre-upgrade archive is in the backup directory. \`mxhome doctor\` shows what runs.`,
        cause: error,
      },
    );
  }
  throw new MxError(`PostgreSQL ${action.from} → ${action.to} failed: ${why}. Went back: ${done.join("; ")}. The server runs PostgreSQL ${action.from} as before.\n${(failure as Error).message}`, {
    code: "upgrade.postgres-rolled-back",
    hint: `The dump is kept at ${action.dumpFile}, the failed cluster at ${failedDir} (remove both when done). \`mxhome logs postgres\` shows what PostgreSQL ${action.to} said.`,
    cause: failure,
  });
}

export interface ForgetReport {
  removed?: string;
  from?: string;
  to?: string;
  /** Already gone: nothing to do. */
  alreadyGone: boolean;
}

/** `mxhome upgrade --forget-old-postgres`: removes the old data directory of a verified major upgrade, nothing else. */
export async function forgetOldPostgres(paths: Paths, config: Config): Promise<ForgetReport> {
  const file = postgresMajorRecordFile(paths.stateDir);
  const record = readPostgresMajorRecord(paths);
  const deployed = deployedVersions(paths, config).find((component) => component.component === "postgres")?.deployed;
  const judged = judgeForget(record, deployed === undefined ? undefined : postgresMajor(deployed));
  if ("refusal" in judged) throw new MxError(judged.refusal.message, { code: judged.refusal.code, hint: judged.refusal.fix });
  const alreadyGone = !existsSync(judged.remove);
  if (!alreadyGone) {
    log.start(`Removing ${judged.remove}…`);
    await removeDataDir(config, judged.remove);
  }
  rmSync(file, { force: true });
  return { removed: judged.remove, from: record?.from, to: record?.to, alreadyGone };
}
