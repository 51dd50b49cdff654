import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { executePlan } from "./execute.ts";
import { withServiceLock } from "./run-record.ts";
import type { RunReport } from "./runtime.ts";
import { runtimeFor } from "./select.ts";
import { desiredFor } from "./up.ts";

/**
 * `mxhome down`: stop the services and keep every byte of data; pause the
 * timers so nightly jobs don't fail against a server that is down on
 * purpose; turn off only mxhome's own Funnel mapping. `up` undoes all three.
 */
export type DownReport = RunReport;

export async function runDown(paths: Paths, config: Config, options: { dryRun: boolean; mxhomeBinary: string }): Promise<DownReport> {
  const runtime = runtimeFor(paths, config);
  const work = async (): Promise<DownReport> => {
    const desired = desiredFor(paths, config, runtime, options.mxhomeBinary);
    const plan = await runtime.planDown(desired);
    if (!options.dryRun) await executePlan(plan.actions, { paths, runtime, desired, force: false });
    return { runtime: runtime.kind, dryRun: options.dryRun, changed: plan.actions.length > 0, plan };
  };
  return options.dryRun ? work() : withServiceLock(paths, "down", work);
}
