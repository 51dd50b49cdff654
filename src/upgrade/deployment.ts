import { existsSync, statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { backupDir } from "../backup/naming.ts";
import { runBackup } from "../backup/run-backup.ts";
import { runRestore } from "../backup/run-restore.ts";
import { exec } from "../io/exec.ts";
import { managedVenvDir } from "../runtime/native/synapse-venv.ts";
import { synapseSql } from "../runtime/sql.ts";
import { synapseUrl } from "../runtime/up.ts";
import { acquireLock } from "../state/lock.ts";
import { writeRunRecord } from "../state/runs.ts";
import { ExitCode, MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { checkDeploymentVersions } from "./observe.ts";
import { type DeploymentUpgradePlan, type DiskNeed, describeUpgradeAction, diskNeeds, diskShortfalls, type Filesystem, planDeploymentUpgrade } from "./plan.ts";
import { measureSynapseImage, type SynapseAction, synapseMove, type SynapseMoveOptions } from "./synapse-move.ts";
import { nativeBindirOf } from "./postgres-cluster.ts";
import { oldClusterDir, type PostgresMajorFacts } from "./postgres-major.ts";
import { type PostgresMajorOutcome, runPostgresMajor } from "./postgres-major-run.ts";
import { type DeploymentCheck, postgresMajor } from "./versions.ts";

/**
 * `mxhome upgrade`: the deployment to this mxhome's pins. Refuses first
 * (an unhealthy server, another run holding the lock, too little disk for
 * what it will write), backs up, then takes each step with a way back.
 */
export interface DeploymentUpgradeOptions extends SynapseMoveOptions {
  dryRun: boolean;
  /** How long to wait for Synapse's background updates before reporting and carrying on. */
  backgroundUpdatesTimeoutMs?: number;
  /** The file system a directory is on (tests pass a small one, to prove the refusal). */
  filesystemOf?: (dir: string) => Filesystem;
  /** A PostgreSQL major upgrade was confirmed (--yes); without it, `confirm` asks, and without that it is refused. */
  yes?: boolean;
  /** Asks the person at the terminal (only when interactive). */
  confirm?: (question: string) => Promise<boolean>;
}

export interface DeploymentUpgradeReport {
  dryRun: boolean;
  runtime: string;
  check: DeploymentCheck;
  plan: DeploymentUpgradePlan;
  /** The actions, as sentences (what --dry-run prints). */
  steps: string[];
  outcome: "up-to-date" | "planned" | "upgraded";
  /** What the steps write, measured (absent when nothing is to be done). */
  disk?: DiskNeed[];
  backup?: string;
  backgroundUpdates?: { remaining: number; timedOut: boolean; waitedMs: number };
  /** The PostgreSQL major step, once taken and verified. */
  postgresMajor?: PostgresMajorOutcome;
  notes: string[];
}

/** Every step this mxhome will not take, each with its manual way. */
export function refusalsError(plan: DeploymentUpgradePlan): MxError {
  const [first] = plan.refusals;
  return new MxError(plan.refusals.map((blocker) => blocker.message).join("\n"), {
    code: first?.code ?? "upgrade.refused",
    hint: `${plan.refusals.map((blocker) => blocker.fix).join("\n")}\nNothing was changed.`,
  });
}

const defaultBackgroundTimeoutMs = 15 * 60_000;

/** The file system a directory is (or will be) on: its nearest existing ancestor's. */
export function filesystemOf(dir: string): Filesystem {
  let existing = dir;
  while (!existsSync(existing)) existing = dirname(existing);
  const stats = statfsSync(existing);
  return { device: statSync(existing).dev, freeBytes: stats.bavail * stats.bsize };
}

async function directoryBytes(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const result = await exec(["du", "-s", "-B1", dir]);
  const bytes = Number(result.stdout.split("\t")[0]);
  if (result.exitCode !== 0 || !Number.isFinite(bytes)) throw new MxError(`Could not measure ${dir} (du exit ${result.exitCode}).`, { code: "upgrade.measure-failed" });
  return bytes;
}

async function synapseHealthy(config: Config): Promise<boolean> {
  try {
    return (await fetch(`${synapseUrl(config)}/health`, { signal: AbortSignal.timeout(5_000) })).ok;
  } catch {
    return false;
  }
}

async function measure(paths: Paths, config: Config, plan: DeploymentUpgradePlan): Promise<DiskNeed[]> {
  const venv = plan.actions.find((action) => action.kind === "synapse-venv");
  const image = plan.actions.find((action) => action.kind === "synapse-image");
  const [files, database, venvBytes, imageSizes] = await Promise.all([
    runBackup(paths, config, { includeMedia: config.backup.include_media, label: "pre-upgrade", dryRun: true }),
    // Synapse's database, and every database of the cluster (what a new cluster holds again).
    synapseSql(paths, config)("SELECT pg_database_size(current_database()), (SELECT sum(pg_database_size(oid)) FROM pg_database)"),
    venv ? directoryBytes(managedVenvDir(paths, venv.from)) : 0,
    image ? measureSynapseImage(image) : undefined,
  ]);
  const databaseBytes = Number(database[0]?.[0] ?? 0);
  const clusterBytes = Number(database[0]?.[1] ?? 0);
  const archiveBytes = files.bytes + databaseBytes;
  return diskNeeds(plan.actions, { backupDir: backupDir(paths, config.backup.dir), archiveBytes, venvsDir: paths.synapseVenvsDir, venvBytes, image: imageSizes, databaseBytes, clusterBytes });
}

/** What planning a PostgreSQL major needs to know about this machine: the old major's programs, and whether the old directory's place is free. */
function postgresFacts(paths: Paths, config: Config, check: DeploymentCheck): PostgresMajorFacts | undefined {
  const step = check.steps.find((candidate) => candidate.component === "postgres" && candidate.kind === "major");
  const from = step?.from && postgresMajor(step.from);
  if (!from) return undefined;
  return {
    dataDir: paths.postgresDir,
    oldProgramsPresent: config.runtime.kind === "podman" || nativeBindirOf(config, from) !== undefined,
    oldDirTaken: existsSync(oldClusterDir(paths.postgresDir, from)),
  };
}

/** A PostgreSQL major never happens without --yes or a person saying so at the terminal. */
async function confirmMajor(plan: DeploymentUpgradePlan, options: DeploymentUpgradeOptions): Promise<void> {
  const major = plan.actions.find((action) => action.kind === "postgres-major");
  if (!major || options.yes) return;
  const question = `Upgrade PostgreSQL ${major.from} → ${major.to}? Synapse is down meanwhile; ${major.oldDir} keeps the old data.`;
  if (options.confirm && (await options.confirm(question))) return;
  throw new MxError(`A PostgreSQL major upgrade (${major.from} → ${major.to}) needs a confirmation${options.confirm ? "" : ", and this is not a terminal"}.`, {
    code: "upgrade.confirm-major",
    hint: "`mxhome upgrade --dry-run` shows the steps; `mxhome upgrade --yes` takes them. Nothing was changed.",
    exitCode: ExitCode.usage,
  });
}


/** Waits until Synapse's background_updates table is empty (the admin API shows only the current one), with progress and a time limit. */
async function waitForBackgroundUpdates(paths: Paths, config: Config, timeoutMs: number): Promise<NonNullable<DeploymentUpgradeReport["backgroundUpdates"]>> {
  const sql = synapseSql(paths, config);
  const started = Date.now();
  let shown = "";
  for (;;) {
    const [row] = await sql("SELECT count(*), coalesce((SELECT update_name FROM background_updates ORDER BY ordering, update_name LIMIT 1), '') FROM background_updates");
    const remaining = Number(row?.[0] ?? 0);
    const waitedMs = Date.now() - started;
    if (remaining === 0) return { remaining, timedOut: false, waitedMs };
    if (waitedMs >= timeoutMs) return { remaining, timedOut: true, waitedMs };
    const progress = `Synapse's background updates: ${remaining} left (now: ${row?.[1]})`;
    if (progress !== shown) log.info((shown = progress));
    await Bun.sleep(Math.min(2_000, timeoutMs));
  }
}

export async function runDeploymentUpgrade(paths: Paths, config: Config, options: DeploymentUpgradeOptions): Promise<DeploymentUpgradeReport> {
  const check = await checkDeploymentVersions(paths, config);
  const plan = planDeploymentUpgrade(check, { includeMedia: config.backup.include_media, postgres: postgresFacts(paths, config, check) });
  const report: DeploymentUpgradeReport = {
    dryRun: options.dryRun,
    runtime: config.runtime.kind,
    check,
    plan,
    steps: plan.actions.map(describeUpgradeAction),
    outcome: plan.actions.length || plan.refusals.length ? "planned" : "up-to-date",
    notes: [...plan.notes],
  };
  // A dry run shows the whole plan first; the command then fails as the upgrade would.
  if (plan.refusals.length && !options.dryRun) throw refusalsError(plan);
  if (!plan.actions.length || plan.refusals.length) return report;
  // The lock first: a running `up` may have Synapse down for a moment, and "locked" is the true answer then.
  const release = options.dryRun ? () => undefined : acquireLock(paths, "up");
  const startedAt = new Date().toISOString();
  let failure: { error: Error; from: string; to: string; discarded: string } | undefined;
  try {
    if (!(await synapseHealthy(config))) {
      throw new MxError(`Synapse does not answer ${synapseUrl(config)}/health: an upgrade starts only from a healthy server.`, {
        code: "upgrade.unhealthy",
        hint: "`mxhome up` starts it, `mxhome doctor` says what is wrong; then run `mxhome upgrade` again. Nothing was changed.",
      });
    }
    report.disk = await measure(paths, config, plan);
    const short = diskShortfalls(report.disk, options.filesystemOf ?? filesystemOf);
    if (short.length) throw new MxError(short.map((blocker) => blocker.message).join("\n"), { code: "upgrade.disk-space", hint: short[0]!.fix });
    if (options.dryRun) return report;
    await confirmMajor(plan, options);

    const action = plan.actions.find((step): step is SynapseAction => step.kind === "synapse-venv" || step.kind === "synapse-image");
    const move = action && synapseMove(paths, config, action, options);
    // The new Synapse beside the old one first (a venv built, an image pulled): a failure here changed nothing the server runs.
    await move?.prepare();
    const backup = await runBackup(paths, config, { includeMedia: config.backup.include_media, label: "pre-upgrade" });
    report.backup = backup.archive;
    // The PostgreSQL major first: the new Synapse then migrates its schema on the new cluster. It has its own way back.
    const major = plan.actions.find((step) => step.kind === "postgres-major");
    if (major) {
      report.postgresMajor = await runPostgresMajor(paths, config, major, { mxhomeBinary: options.mxhomeBinary }).catch((error: Error) => {
        writeRunRecord(paths, { command: "upgrade", startedAt, finishedAt: new Date().toISOString(), ok: false, summary: error.message.split("\n")[0] ?? "failed" });
        throw error;
      });
      report.notes.push(`PostgreSQL ${major.from}'s data directory is kept at ${major.oldDir}; \`mxhome upgrade --forget-old-postgres\` removes it.`);
    }
    if (action && move) {
      try {
        await move.switchTo();
      } catch (error) {
        failure = { error: error as Error, from: action.from, to: action.to, discarded: move.discarded };
        await move.switchBack();
      }
      if (!failure) {
        report.backgroundUpdates = await waitForBackgroundUpdates(paths, config, options.backgroundUpdatesTimeoutMs ?? defaultBackgroundTimeoutMs);
        if (report.backgroundUpdates.timedOut) {
          report.notes.push(
            `Synapse's background updates were still running after ${Math.round(report.backgroundUpdates.waitedMs / 60_000)} min (${report.backgroundUpdates.remaining} left); Synapse works meanwhile and finishes them by itself.`,
          );
        }
        report.notes.push(move.keptNote);
      }
    }
    if (!failure) {
      report.outcome = "upgraded";
      writeRunRecord(paths, { command: "upgrade", startedAt, finishedAt: new Date().toISOString(), ok: true, summary: report.steps.join("; "), report });
      return report;
    }
  } finally {
    release();
  }
  return rollBack(paths, options, report, failure, startedAt);
}

/** The new Synapse did not come up: it is stopped (natively its venv removed); the old one comes back with the pre-upgrade archive's data. */
async function rollBack(
  paths: Paths,
  options: DeploymentUpgradeOptions,
  report: DeploymentUpgradeReport,
  failure: { error: Error; from: string; to: string; discarded: string },
  startedAt: string,
): Promise<never> {
  const why = (failure.error.message.split("\n")[0] ?? "").replace(/\.$/, "");
  log.warn(`Synapse ${failure.to} did not start (${why}); going back to ${failure.from} and restoring ${report.backup}…`);
  // restore runs `up` itself (the service lock, released above), which starts the old venv or image recorded again.
  const restored = await runRestore(paths, { archive: report.backup!, force: true, dryRun: false, passphrase: async () => "", ports: {}, mxhomeBinary: options.mxhomeBinary, onTerminal: false }).catch(
    (error: Error) => {
      throw new MxError(`Synapse ${failure.to} did not start (${why}); mxhome switched back to ${failure.from}, but restoring the pre-upgrade archive failed: ${error.message}`, {
        code: "upgrade.rollback-failed",
        hint: `Run \`mxhome restore --force ${report.backup}\` (it is the server as it was before the upgrade), then \`mxhome doctor\`.`,
        cause: error,
      });
    },
  );
  const summary = `Synapse ${failure.to} did not start (${why}). Went back to Synapse ${failure.from}, ${failure.discarded} and restored the pre-upgrade archive ${report.backup}; the server runs ${failure.from} again.`;
  writeRunRecord(paths, { command: "upgrade", startedAt, finishedAt: new Date().toISOString(), ok: false, summary });
  throw new MxError(`${summary}\n${failure.error.message}`, {
    code: "upgrade.rolled-back",
    hint: `What the new Synapse said is above (full log: \`mxhome logs synapse\`). The server that was here before the restore is kept as ${restored.safetyBackup ?? "a pre-restore archive"}. Report the failure, or try again with a newer mxhome.`,
  });
}
