import type { Paths } from "../config/paths.ts";
import { applyManagedWrites } from "../io/managed-files.ts";
import { log } from "../ui/logger.ts";
import { describeAction } from "./describe.ts";
import { setFunnel } from "./host/funnel.ts";
import { systemctlUser } from "./host/systemd-user.ts";
import type { Action, DesiredState, Runtime } from "./runtime.ts";

/**
 * The executor: runs a plan's actions in order and nothing else. Kinds both
 * runtimes share run here; the rest go to the runtime.
 */
export interface ExecutionContext {
  paths: Paths;
  runtime: Runtime;
  desired: DesiredState;
  /** Replace hand-edited managed files (a backup of each is kept). */
  force: boolean;
}

export async function executeAction(action: Action, context: ExecutionContext): Promise<void> {
  switch (action.kind) {
    case "write-files": {
      const { backups } = applyManagedWrites(context.desired.writes, context.paths.renderedManifestFile, { force: context.force });
      for (const backup of backups) log.warn(`Hand-edited file replaced; your version is kept at ${backup}`);
      return;
    }
    case "daemon-reload":
      return systemctlUser(["daemon-reload"]);
    case "enable-units":
      return systemctlUser(["enable", ...(action.start ? ["--now"] : []), ...action.units]);
    case "disable-units":
      return systemctlUser(["disable", ...(action.stop ? ["--now"] : []), ...action.units]);
    case "funnel-on":
      return setFunnel("on", action.target);
    case "funnel-off":
      return setFunnel("off", action.target);
    default:
      return context.runtime.apply(action, context.desired);
  }
}

/** Runs the actions in order, saying what each one does; the first failure stops the run. */
export async function executePlan(actions: Action[], context: ExecutionContext): Promise<void> {
  for (const action of actions) {
    log.start(describeAction(action));
    await executeAction(action, context);
  }
}
