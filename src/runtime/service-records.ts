import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { readTextIfExists, writeFileAtomic } from "../io/fs.ts";
import type { ServiceName } from "../render/types.ts";

/**
 * What each service was last started with (its input fingerprint), so the
 * next `up` can tell a stale running service from a current one even if an
 * earlier run wrote the files but stopped before restarting.
 */
export type StartedWith = Partial<Record<ServiceName | string, string>>;

const recordsFile = (paths: Paths) => join(paths.stateDir, "services.json");

export function readStartedWith(paths: Paths): StartedWith {
  try {
    return (JSON.parse(readTextIfExists(recordsFile(paths)) ?? "{}") as { startedWith?: StartedWith }).startedWith ?? {};
  } catch {
    // Unreadable records only cost a restart of each running service.
    return {};
  }
}

/** A service, or natively a [scale] process ("redis", "worker1"). */
export function recordStarted(paths: Paths, service: ServiceName | string, fingerprint: string): void {
  const startedWith = { ...readStartedWith(paths), [service]: fingerprint };
  writeFileAtomic(recordsFile(paths), `${JSON.stringify({ version: 1, startedWith }, null, 2)}\n`, 0o600);
}
