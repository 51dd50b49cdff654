import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { redisSocketPath, workerLayout } from "../../render/workers.ts";
import { redisAnswers } from "../../runtime/native/redis.ts";
import { scaleDaemon, scaleLogFile, scaleProcessesOnDisk } from "../../runtime/native/scale.ts";
import { runningPid } from "../../runtime/native/process.ts";
import type { FactScope } from "./index.ts";
import { probe } from "./local-http.ts";

/** One [scale] process as found: Redis, or a Synapse worker. */
export interface ScaleProcessObservation {
  name: string;
  /** Whether mxhome.toml asks for it (false: a leftover from more workers, or from workers on). */
  wanted: boolean;
  state: "running" | "stopped" | "died";
  pid?: number;
  /** Redis answers PING; a worker answers /health with 200. */
  healthy: boolean;
  /** Workers: their loopback port. */
  port?: number;
  logFile: string;
}

/** The processes [scale] asks for (Redis first), plus any still on disk from an earlier setting. Native only. */
export async function gatherScale(scope: FactScope): Promise<ScaleProcessObservation[]> {
  const { paths, config } = scope;
  if (config.runtime.kind !== "native") return [];
  const layout = workerLayout({ config, cpuCount: availableParallelism() });
  const wanted = layout ? ["redis", ...layout.workers.map((worker) => worker.name)] : [];
  const ports = new Map(layout?.workers.map((worker) => [worker.name, worker.port]));
  const names = [...wanted, ...scaleProcessesOnDisk(paths).filter((name) => !wanted.includes(name))];
  return Promise.all(
    names.map(async (name): Promise<ScaleProcessObservation> => {
      const daemon = scaleDaemon(paths, name);
      const pid = runningPid(daemon);
      const port = ports.get(name);
      const healthy =
        pid === undefined
          ? false
          : name === "redis"
            ? await redisAnswers(redisSocketPath(paths))
            : port !== undefined && (await probe(scope, `http://127.0.0.1:${port}/health`)).status === 200;
      return {
        name,
        wanted: wanted.includes(name),
        state: pid !== undefined ? "running" : existsSync(daemon.pidFile) ? "died" : "stopped",
        ...(pid !== undefined ? { pid } : {}),
        healthy,
        ...(port !== undefined ? { port } : {}),
        logFile: scaleLogFile(paths, name),
      };
    }),
  );
}
