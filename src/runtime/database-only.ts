import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { refuseHandEdits } from "../io/managed-files.ts";
import type { ServiceName } from "../render/types.ts";
import { acquireLock } from "../state/lock.ts";
import { executePlan } from "./execute.ts";
import type { Action } from "./runtime.ts";
import { runtimeFor } from "./select.ts";
import { blockersError, desiredFor } from "./up.ts";

/**
 * The part of `up` that `restore` needs before Synapse may start: the
 * rendered files, PostgreSQL (its cluster created when missing) and Synapse's
 * empty database, so a dump can be loaded before Synapse ever sees it. And
 * stopping services, so a database can be replaced under no one.
 */

/** Pure: the actions of an `up` plan that bring up PostgreSQL and nothing that uses it. */
export function databaseOnlyActions(actions: Action[]): Action[] {
  return actions.filter((action) => {
    switch (action.kind) {
      case "write-files":
      case "podman-secret":
      case "pull-image":
      case "daemon-reload":
      case "init-database-cluster":
      case "create-database":
        return true;
      case "start":
      case "restart":
        return action.service === "postgres";
      default:
        return false;
    }
  });
}

export interface DatabaseOnlyOptions {
  mxhomeBinary: string;
  /** Replace hand-edited managed files (a backup of each is kept). */
  force: boolean;
  /** Plan only: return the actions without running them. */
  dryRun?: boolean;
}

/** Starts PostgreSQL the way `up` would, leaving Synapse and Caddy stopped; returns what it did. */
export async function startDatabaseOnly(paths: Paths, config: Config, options: DatabaseOnlyOptions): Promise<Action[]> {
  const runtime = runtimeFor(paths, config);
  const desired = desiredFor(paths, config, runtime, options.mxhomeBinary);
  const plan = await runtime.planUp(desired);
  const actions = databaseOnlyActions(plan.actions);
  if (options.dryRun) return actions;
  refuseHandEdits(desired.writes, options.force);
  if (plan.blockers.length) throw blockersError("restore", plan);
  const release = acquireLock(paths, "up");
  try {
    await executePlan(actions, { paths, runtime, desired, force: options.force });
  } finally {
    release();
  }
  return actions;
}

/** Stops the given services if they run (Caddy before Synapse); returns those it stopped. */
export async function stopServices(paths: Paths, config: Config, services: ServiceName[], mxhomeBinary: string): Promise<ServiceName[]> {
  const runtime = runtimeFor(paths, config);
  const states = await runtime.serviceStates();
  const order: ServiceName[] = ["caddy", "synapse", "postgres"];
  const running = order.filter((service) => services.includes(service) && states[service] === "running");
  if (running.length === 0) return [];
  const release = acquireLock(paths, "up");
  try {
    const desired = desiredFor(paths, config, runtime, mxhomeBinary);
    await executePlan(running.map((service): Action => ({ kind: "stop", service })), { paths, runtime, desired, force: false });
  } finally {
    release();
  }
  return running;
}
