import type { Paths } from "../config/paths.ts";
import { type Config, publicHost } from "../config/schema.ts";
import { planManagedWrites, refuseHandEdits } from "../io/managed-files.ts";
import { renderDeployment, renderInputsFor } from "../render/index.ts";
import type { PasswordSource } from "../accounts/admin-password.ts";
import { type AccountsReport, ensureAccounts } from "../accounts/ensure.ts";
import { serverNameChangeError, serverNameInUse } from "../accounts/server-name-in-use.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
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
}

export interface UpReport extends RunReport {
  accounts?: AccountsReport;
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
    return report;
  };
  return options.dryRun ? work() : withServiceLock(paths, "up", work);
}
