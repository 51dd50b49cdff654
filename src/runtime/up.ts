import type { Paths } from "../config/paths.ts";
import { type Config, publicHost } from "../config/schema.ts";
import { planManagedWrites, refuseHandEdits } from "../io/managed-files.ts";
import { renderDeployment, renderInputsFor } from "../render/index.ts";
import type { PasswordSource } from "../accounts/admin-password.ts";
import { type AccountsReport, ensureAccounts } from "../accounts/ensure.ts";
import { serverNameChangeError, serverNameInUse } from "../accounts/server-name-in-use.ts";
import type { CatchUpReport } from "../catchup/report.ts";
import { runCatchUp } from "../catchup/run.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { upgradeOnlyChanges } from "../upgrade/deployed.ts";
import { desiredState } from "./desired.ts";
import { executePlan } from "./execute.ts";
import { withServiceLock } from "./run-record.ts";
import type { DesiredState, Plan, Runtime, RunReport } from "./runtime.ts";
import { runtimeFor } from "./select.ts";

/**
 * `mxhome up`: render mxhome.toml, compare with the machine, apply only the
 * difference, then make sure mxhome's accounts exist and their tokens work.
 */
export interface UpOptions {
  dryRun: boolean;
  /** Replace hand-edited managed files (a backup of each is kept). */
  force: boolean;
  adminPassword: PasswordSource;
  /** Whether stdout is a terminal a generated password may be shown on. */
  onTerminal: boolean;
  /** The mxhome the timers run; must match what `init` rendered with, or every run rewrites the units. */
  mxhomeBinary: string;
  /** When this run (re)starts Synapse, wake the other homeservers once it answers (`mxhome catch-up`), watching this long for their first events. */
  catchUp?: { watchMs: number };
}

export interface UpReport extends RunReport {
  accounts?: AccountsReport;
  /** What catch-up did, or why it could not run (it never fails `up`). */
  catchUp?: CatchUpReport | { failed: string };
  endpoints: { public: string; local: string; synapse: string };
}

export const synapseUrl = (config: Config) => `http://127.0.0.1:${config.network.synapse_port}`;

/** Reads only: what the deployment should look like, against what the files on disk hold. */
export function desiredFor(paths: Paths, config: Config, runtime: Runtime, mxhomeBinary: string): DesiredState {
  const files = renderDeployment(renderInputsFor(config, paths, mxhomeBinary));
  const writes = planManagedWrites(files, paths.renderedManifestFile);
  return desiredState({ config, paths, files, writes, extraInputs: runtime.fingerprintInputs() });
}

/** One blocker: its fix is the hint. Several: each with its fix, and a hint that says so (every fix printed once). */
export function blockersError(command: string, plan: Plan): MxError {
  const code = plan.blockers[0]?.code ?? "runtime.blocked";
  const [only] = plan.blockers;
  if (plan.blockers.length === 1 && only) {
    return new MxError(`\`mxhome ${command}\` cannot run on this machine yet: ${only.message}`, { code, hint: `${only.fix} Nothing was changed.` });
  }
  const list = plan.blockers.map((blocker) => `  - ${blocker.message}\n    fix: ${blocker.fix}`).join("\n");
  return new MxError(`\`mxhome ${command}\` cannot run on this machine yet:\n${list}`, {
    code,
    hint: "Apply the fixes above, then run the command again. Nothing was changed.",
  });
}

export async function runUp(paths: Paths, config: Config, options: UpOptions): Promise<UpReport> {
  const renamed = serverNameChangeError(serverNameInUse(paths), config.server.server_name, paths);
  if (renamed) throw renamed;
  const runtime = runtimeFor(paths, config);
  const endpoints = { public: `https://${publicHost(config)}`, local: `http://127.0.0.1:${config.network.caddy_port}`, synapse: synapseUrl(config) };
  const work = async (): Promise<UpReport> => {
    const desired = desiredFor(paths, config, runtime, options.mxhomeBinary);
    const plan = await runtime.planUp(desired);
    plan.blockers.push(...upgradeOnlyChanges(paths, config));
    const report: UpReport = { runtime: runtime.kind, dryRun: options.dryRun, changed: plan.actions.length > 0, plan, endpoints };
    if (options.dryRun) return report;
    refuseHandEdits(desired.writes, options.force);
    if (plan.blockers.length) throw blockersError("up", plan);
    await executePlan(plan.actions, { paths, runtime, desired, force: options.force });
    report.accounts = await ensureAccounts({
      paths,
      config,
      http: createSynapseHttp(synapseUrl(config)),
      adminPassword: options.adminPassword,
      onTerminal: options.onTerminal,
    });
    const { service, bot, admin } = report.accounts;
    report.changed ||= service !== "verified" || bot !== "verified" || admin === "created";
    if (options.catchUp && startsSynapse(plan)) report.catchUp = await catchUpAfterStart(paths, config, options.catchUp.watchMs);
    return report;
  };
  return options.dryRun ? work() : withServiceLock(paths, "up", work);
}

/** Pure: whether the plan (re)starts Synapse: only then did other servers have reason to back off (a resume is the catch-up timer's job). */
export const startsSynapse = (plan: Plan): boolean =>
  plan.actions.some((action) => (action.kind === "start" || action.kind === "restart") && action.service === "synapse");

/** Catch-up's watch from `up`: shorter than the command's 30 s, as `up` waits for it. */
export const upCatchUpWatchMs = 10_000;

async function catchUpAfterStart(paths: Paths, config: Config, watchMs: number): Promise<CatchUpReport | { failed: string }> {
  try {
    return await runCatchUp(paths, config, createSynapseHttp(synapseUrl(config)), { watchMs });
  } catch (error) {
    const failed = (error as Error).message.split("\n")[0] ?? "failed";
    log.warn(`Catch-up did not run: ${failed}. The other servers will send when their retry timers run out; \`mxhome catch-up\` tries again.`);
    return { failed };
  }
}
