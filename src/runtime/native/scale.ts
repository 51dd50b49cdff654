import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { redisConfigFile, redisDir, redisSocketPath, workerConfigFile } from "../../render/workers.ts";
import { readSecret } from "../../secrets/store.ts";
import { MxError } from "../../ui/errors.ts";
import { findRedisServer, redisAnswers } from "./redis.ts";
import { waitFor, waitUntilHealthy } from "../health.ts";
import { processLabel } from "../describe.ts";
import { processLogName } from "../log-sources.ts";
import { type DaemonIdentity, type DaemonSpec, hasExited, logSize, runningPid, spawnDaemon, stopDaemon, tailLog } from "./process.ts";
import { synapseConfigFiles } from "./services.ts";
import { synapsePython } from "./synapse-source.ts";

/**
 * The native runtime's [scale] processes: Redis and each Synapse generic
 * worker, supervised like the three services (pid files, background
 * priority, a readiness wait), named "redis" and "worker1", "worker2"…
 */
const workerPidPrefix = "worker-";

export function scaleDaemon(paths: Paths, name: string): DaemonIdentity {
  if (name === "redis") return { pidFile: join(paths.nativeRunDir, "redis.pid"), identity: redisConfigFile(paths) };
  return { pidFile: join(paths.nativeRunDir, `${workerPidPrefix}${name}.pid`), identity: workerConfigFile(paths, name) };
}

/** Every [scale] process that has a pid file (running, or died), so `up` can stop the ones no longer wanted. */
export function scaleProcessesOnDisk(paths: Paths): string[] {
  let names: string[];
  try {
    names = readdirSync(paths.nativeRunDir);
  } catch {
    return [];
  }
  return names.flatMap((file) => {
    if (file === "redis.pid") return ["redis"];
    const worker = new RegExp(`^${workerPidPrefix}(worker\\d+)\\.pid$`).exec(file);
    return worker ? [worker[1]!] : [];
  });
}

export const scaleLogFile = (paths: Paths, name: string) => join(paths.logDir, `${processLogName(name)}.log`);

/** A worker's port: "workerN" listens N above [scale] first_port. */
export const workerPort = (config: Config, name: string) => config.scale.first_port + Number(name.replace(/^worker/, ""));

function scaleSpec(paths: Paths, config: Config, name: string): DaemonSpec {
  const daemon = scaleDaemon(paths, name);
  const logFile = scaleLogFile(paths, name);
  if (name === "redis") {
    return { name, argv: [findRedisServer(), redisConfigFile(paths)], env: { ...process.env }, cwd: redisDir(paths), logFile, ...daemon };
  }
  const configFiles = [...synapseConfigFiles(paths), workerConfigFile(paths, name)];
  return {
    name,
    argv: [synapsePython(paths, config), "-m", "synapse.app.generic_worker", ...configFiles.flatMap((file) => ["-c", file])],
    env: { ...process.env, PGPASSWORD: readSecret(paths, "postgresPassword") },
    cwd: paths.synapseDir,
    logFile,
    ...daemon,
  };
}

/** Starts Redis or a worker and waits until it answers; a failed start is an error with its last log lines. */
export async function startScaleProcess(paths: Paths, config: Config, name: string): Promise<void> {
  const spec = scaleSpec(paths, config, name);
  mkdirSync(spec.cwd, { recursive: true });
  mkdirSync(paths.nativeRunDir, { recursive: true, mode: 0o700 });
  const logStart = logSize(spec.logFile);
  const pid = spawnDaemon(spec);
  const isAlive = () => !hasExited(pid);
  let outcome: "healthy" | "died" | "timeout";
  if (name === "redis") {
    const ready = await waitFor(async () => !isAlive() || (await redisAnswers(redisSocketPath(paths), 500)), 15_000, 100);
    outcome = !ready ? "timeout" : isAlive() ? "healthy" : "died";
  } else {
    // A worker does no schema work: it answers in seconds, but a slow disk and a cold Python need a while.
    outcome = await waitUntilHealthy({ label: processLabel(name), url: `http://127.0.0.1:${workerPort(config, name)}/health`, timeoutMs: 120_000, isAlive });
  }
  if (outcome === "healthy") return;
  if (outcome === "timeout") await stopDaemon(spec);
  const lines = tailLog(spec.logFile, 20, logStart);
  throw new MxError(`${processLabel(name)} ${outcome === "died" ? "exited while starting" : "did not become healthy in time"}.\n${lines}`, {
    code: `native.${name === "redis" ? "redis" : "worker"}-start-failed`,
    hint: /address already in use/i.test(lines)
      ? `Its port is taken by another program: set [scale] first_port in mxhome.toml to a free range, then run \`mxhome up\`.`
      : `Full log: ${spec.logFile}`,
  });
}

export const stopScaleProcess = (paths: Paths, name: string) => stopDaemon(scaleDaemon(paths, name));

export const isScaleProcessRunning = (paths: Paths, name: string) => runningPid(scaleDaemon(paths, name)) !== undefined;
