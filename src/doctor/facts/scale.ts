import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { scaleUnit } from "../../render/quadlet.ts";
import { redisSocketOnHost, workerLayout } from "../../render/workers.ts";
import { parseShowOutput } from "../../runtime/host/systemd-user.ts";
import { redisAnswers } from "../../runtime/native/redis.ts";
import { scaleDaemon, scaleLogFile, scaleProcessesOnDisk } from "../../runtime/native/scale.ts";
import { runningPid } from "../../runtime/native/process.ts";
import { scaleUnitsOnDisk } from "../../runtime/podman/observe.ts";
import type { FactScope } from "./index.ts";
import { probe } from "./local-http.ts";

/** One [scale] process as found: Redis, or a Synapse worker; natively a daemon, under podman a quadlet unit. */
export interface ScaleProcessObservation {
  name: string;
  /** Whether mxhome.toml asks for it (false: a leftover from more workers, or from workers on). */
  wanted: boolean;
  state: "running" | "stopped" | "died";
  pid?: number;
  /** podman: its systemd unit. */
  unit?: string;
  /** Redis answers PING on its socket; a worker answers /health with 200. */
  healthy: boolean;
  /** Workers: their loopback port. */
  port?: number;
  /** Where its log is: natively a file, under podman the unit's journal (a command). */
  log: string;
}

/** How each runtime finds one process: natively by its pid file, under podman by its unit's state. */
type Found = Pick<ScaleProcessObservation, "state" | "pid" | "unit" | "log">;

async function podmanFinder(scope: FactScope, names: string[]): Promise<(name: string) => Found> {
  const units = names.map((name) => scaleUnit(name).service);
  const output = await scope.io.run(["systemctl", "--user", "show", "--property=Id,ActiveState,MainPID", ...units], { timeoutMs: 3_000 });
  const shown = output?.exitCode === 0 ? parseShowOutput(output.stdout) : {};
  return (name) => {
    const unit = scaleUnit(name).service;
    const active = shown[unit]?.ActiveState;
    const pid = Number(shown[unit]?.MainPID) || undefined;
    const state = active === "active" ? "running" : active === "failed" ? "died" : "stopped";
    return { state, ...(pid && state === "running" ? { pid } : {}), unit, log: `journalctl --user -u ${unit}` };
  };
}

function nativeFinder(scope: FactScope): (name: string) => Found {
  return (name) => {
    const daemon = scaleDaemon(scope.paths, name);
    const pid = runningPid(daemon);
    return { state: pid !== undefined ? "running" : existsSync(daemon.pidFile) ? "died" : "stopped", ...(pid !== undefined ? { pid } : {}), log: scaleLogFile(scope.paths, name) };
  };
}

/** The processes [scale] asks for (Redis first), plus any still on disk from an earlier setting (pid files, or quadlet units). */
export async function gatherScale(scope: FactScope): Promise<ScaleProcessObservation[]> {
  const { paths, config } = scope;
  const podman = config.runtime.kind === "podman";
  const layout = workerLayout({ config, cpuCount: availableParallelism() });
  const wanted = layout ? ["redis", ...layout.workers.map((worker) => worker.name)] : [];
  const ports = new Map(layout?.workers.map((worker) => [worker.name, worker.port]));
  const names = [...wanted, ...(podman ? scaleUnitsOnDisk(paths) : scaleProcessesOnDisk(paths)).filter((name) => !wanted.includes(name))];
  if (!names.length) return [];
  const find = podman ? await podmanFinder(scope, names) : nativeFinder(scope);
  return Promise.all(
    names.map(async (name): Promise<ScaleProcessObservation> => {
      const found = find(name);
      const port = ports.get(name);
      const healthy =
        found.state !== "running"
          ? false
          : name === "redis"
            ? await redisAnswers(redisSocketOnHost(paths, config.runtime.kind))
            : port !== undefined && (await probe(scope, `http://127.0.0.1:${port}/health`)).status === 200;
      return { name, wanted: wanted.includes(name), ...found, healthy, ...(port !== undefined ? { port } : {}) };
    }),
  );
}
