import type { ServiceName } from "../render/types.ts";
import { type Action, type DesiredState, serviceOrder } from "./runtime.ts";

/**
 * Pure: the [scale] processes `[scale] workers` asks for, for both runtimes'
 * planners. `running` says, per process, whether it runs (true), died or
 * failed (false), or is not running at all (absent). A process starts when
 * it does not run, restarts when it was started with other inputs (a
 * worker's include its main process's), and a worker restarts for
 * `restartAll` (PostgreSQL restarted under it, its program reinstalled).
 */
export function planWantedScale(
  desired: DesiredState,
  running: Record<string, boolean>,
  startedWith: Record<string, string | undefined>,
  restartAll: string | undefined,
): { redis: Action[]; workers: Action[] } {
  const part = { redis: [] as Action[], workers: [] as Action[] };
  for (const { name, fingerprint } of desired.scale) {
    const into = name === "redis" ? part.redis : part.workers;
    const state = running[name];
    if (!state) into.push({ kind: "start-process", process: name, reason: state === false ? "it had stopped unexpectedly" : "not running" });
    else if (startedWith[name] !== fingerprint) into.push({ kind: "restart-process", process: name, reason: "its configuration changed" });
    else if (name !== "redis" && restartAll) into.push({ kind: "restart-process", process: name, reason: restartAll });
  }
  return part;
}

/** Pure: the processes no longer asked for, workers first and Redis last (the workers use it until they stop). */
export function unwantedScale(desired: DesiredState, found: string[]): string[] {
  const wanted = new Set(desired.scale.map((process) => process.name));
  return found.filter((name) => !wanted.has(name)).sort((a, b) => Number(a === "redis") - Number(b === "redis"));
}

/**
 * Pure: `down`'s stops, for both runtimes: Caddy first, then the workers,
 * the main Synapse, Redis, PostgreSQL last. `scale` maps each [scale]
 * process to whether it runs.
 */
export function planDownStops(running: (service: ServiceName) => boolean, scale: Record<string, boolean>): Action[] {
  const up = Object.keys(scale).filter((name) => scale[name]);
  const stopProcess = (name: string): Action => ({ kind: "stop-process", process: name, reason: "mxhome down" });
  return [...serviceOrder].reverse().flatMap((service): Action[] => [
    ...(service === "synapse" ? up.filter((name) => name !== "redis").map(stopProcess) : []),
    ...(running(service) ? [{ kind: "stop", service } as const] : []),
    ...(service === "synapse" && up.includes("redis") ? [stopProcess("redis")] : []),
  ]);
}
