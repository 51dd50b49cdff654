import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { synapseDatabase } from "../runtime/database.ts";
import { startDatabaseOnly, stopServices } from "../runtime/database-only.ts";
import { runUp, type UpOptions, type UpReport } from "../runtime/up.ts";
import { acquireLock } from "../state/lock.ts";
import { writeRunRecord } from "../state/runs.ts";
import { MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { openArchive, stageArchive } from "./archive-reader.ts";
import { configMember, databaseMember } from "./layout.ts";
import type { BackupManifest } from "./manifest.ts";
import { applyPortOverrides, type PortOverrides } from "./ports.ts";
import { createProgress, formatDuration } from "./progress.ts";
import { formatBytes } from "../doctor/format-units.ts";
import { describeRestoreStep, planRestore, refuseExistingServer, refuseTakenPorts, type RestorePlan } from "./restore-plan.ts";
import { checkRuntimeHere, installStaged, observeRestoreTarget, takenPorts } from "./restore-target.ts";
import { runBackup } from "./run-backup.ts";

/**
 * `mxhome restore <archive>`: refuse a server that is here without --force;
 * read and verify the whole archive into a private staging dir (a damaged
 * archive or a wrong passphrase stops here, with nothing changed); back up
 * what is here; then config, keys and secrets, PostgreSQL with a fresh
 * C-collation database and the dump loaded, media, and `up`.
 */
export interface RestoreOptions {
  archive: string;
  force: boolean;
  dryRun: boolean;
  passphrase: () => Promise<string>;
  /** Other loopback ports than the archived mxhome.toml names (another machine, or beside the old server). */
  ports: PortOverrides;
  mxhomeBinary: string;
  /** Whether stdout is a terminal (passed on to `up`). */
  onTerminal: boolean;
  /** Passed on to `up`: wake the other homeservers once Synapse answers. */
  catchUp?: UpOptions["catchUp"];
}

export interface RestoreReport {
  dryRun: boolean;
  archive: string;
  encrypted: boolean;
  archiveBytes: number;
  from: Pick<BackupManifest, "createdAt" | "serverName" | "runtime" | "versions" | "includes">;
  plan: RestorePlan;
  /** The steps, as sentences (what --dry-run prints). */
  steps: string[];
  /** The pre-restore backup of the server that was here. */
  safetyBackup?: string;
  durationMs: number;
  endpoints?: UpReport["endpoints"];
  catchUp?: UpReport["catchUp"];
}

export async function runRestore(paths: Paths, options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  closeSync(openArchive(options.archive));
  const observed = await observeRestoreTarget(paths);
  const refusal = refuseExistingServer(observed.target, options.force, options.archive);
  if (refusal) throw refusal;

  // Staging beside the data dir: same file system, so verified files are moved, not copied.
  const staging = join(dirname(paths.dataDir), `.mxhome-restore-${randomBytes(6).toString("hex")}`);
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    log.start(`Verifying ${options.archive}…`);
    let progress: ((done: number) => void) | undefined;
    const onProgress = (done: number, total: number) => (progress ??= createProgress("Verified", total))(done);
    const staged = await stageArchive(options.archive, staging, { passphrase: options.passphrase, onProgress });
    const { manifest } = staged;
    log.success(`Archive verified: ${manifest.members.length} members, every SHA-256 matches${staged.encrypted ? ", decrypted" : ""}.`);

    const stagedConfig = join(staging, configMember);
    const { text, config, changes } = applyPortOverrides(readFileSync(stagedConfig, "utf8"), options.ports);
    const portRefusal = refuseTakenPorts(await takenPorts(config, observed.ownPorts), options.archive);
    if (portRefusal) throw portRefusal;
    await checkRuntimeHere(paths, config);
    const plan = planRestore(manifest, observed.target, changes);
    const report: RestoreReport = {
      dryRun: options.dryRun,
      archive: options.archive,
      encrypted: staged.encrypted,
      archiveBytes: staged.bytes,
      from: { createdAt: manifest.createdAt, serverName: manifest.serverName, runtime: manifest.runtime, versions: manifest.versions, includes: manifest.includes },
      plan,
      steps: plan.steps.map(describeRestoreStep),
      durationMs: 0,
    };
    if (options.dryRun) return { ...report, durationMs: Date.now() - started };
    writeFileSync(stagedConfig, text, { mode: 0o600 });
    await applyRestore(paths, options, { staging, manifest, config, plan, existing: observed.config, report });
    report.durationMs = Date.now() - started;
    log.success(`Restored ${manifest.serverName} in ${formatDuration(report.durationMs)}.`);
    return report;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

interface ApplyContext {
  staging: string;
  manifest: BackupManifest;
  /** The restored mxhome.toml (ports applied). */
  config: Config;
  plan: RestorePlan;
  /** The mxhome.toml of the server that was here. */
  existing?: Config;
  report: RestoreReport;
}

async function applyRestore(paths: Paths, options: RestoreOptions, context: ApplyContext): Promise<void> {
  const { staging, manifest, config, plan, existing, report } = context;
  const release = acquireLock(paths, "restore");
  const startedAt = new Date().toISOString();
  let step = "";
  const stepStart = (kind: RestorePlan["steps"][number]["kind"]) => {
    const found = plan.steps.find((s) => s.kind === kind);
    if (found) log.start((step = describeRestoreStep(found)).replace(/^./, (c) => c.toUpperCase()));
    return found !== undefined;
  };
  try {
    if (stepStart("safety-backup")) {
      if (!existing) {
        throw new MxError("The server here has no valid mxhome.toml, so it cannot be backed up before it is replaced.", {
          code: "restore.cannot-back-up",
          hint: `Move ${paths.configFile}, ${paths.dataDir} and ${paths.stateDir} aside yourself, then run the restore again.`,
        });
      }
      const safety = await runBackup(paths, existing, { includeMedia: true, label: "pre-restore", includeDatabase: plan.steps.some((s) => s.kind === "safety-backup" && s.includeDatabase) });
      report.safetyBackup = safety.archive;
    }
    if (stepStart("stop") && existing) await stopServices(paths, existing, ["caddy", "synapse"], options.mxhomeBinary);
    stepStart("write-config");
    installStaged(staging, manifest, paths, ["config"]);
    stepStart("write-secrets");
    installStaged(staging, manifest, paths, ["secrets"], (member) => plan.keepPostgresPassword && member === "secrets/postgres_password");
    if (stepStart("write-state")) installStaged(staging, manifest, paths, ["state"]);
    stepStart("start-database");
    await startDatabaseOnly(paths, config, { mxhomeBinary: options.mxhomeBinary, force: options.force });
    if (stepStart("load-database")) {
      const database = synapseDatabase(paths, config);
      await database.recreate();
      await database.restore(join(staging, databaseMember));
    }
    if (stepStart("restore-media")) installStaged(staging, manifest, paths, ["media"]);
    stepStart("up");
    const up = await runUp(paths, config, {
      dryRun: false,
      force: options.force,
      adminPassword: { kind: "generate" },
      onTerminal: options.onTerminal,
      mxhomeBinary: options.mxhomeBinary,
      catchUp: options.catchUp,
    });
    report.endpoints = up.endpoints;
    report.catchUp = up.catchUp;
    const summary = `${manifest.serverName} from ${options.archive} (${formatBytes(report.archiveBytes)}, made ${manifest.createdAt})`;
    writeRunRecord(paths, { command: "restore", startedAt, finishedAt: new Date().toISOString(), ok: true, summary, report });
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? "failed";
    writeRunRecord(paths, { command: "restore", startedAt, finishedAt: new Date().toISOString(), ok: false, summary: `stopped at "${step}": ${message}` });
    const again = step === describeRestoreStep({ kind: "up" }) ? "`mxhome up`" : `\`mxhome restore ${options.archive} --force\``;
    log.error(`The restore stopped at: ${step}. The archive was verified; once the cause is fixed, run ${again}.`);
    throw error;
  } finally {
    release();
  }
}
