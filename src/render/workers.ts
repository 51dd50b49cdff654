import { dirname, join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { scalePorts, workerCount } from "../config/scale.ts";
import workerTemplate from "../../templates/synapse-worker.yaml" with { type: "text" };
import redisTemplate from "../../templates/redis.conf" with { type: "text" };
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs } from "./types.ts";

/**
 * Synapse workers ([scale] in mxhome.toml), from upstream's documented worker
 * configuration (docs/workers.md): generic workers with a listener each on
 * 127.0.0.1, the main process's replication listener, Redis for replication
 * pub/sub. Pure; "auto" is resolved with the CPU count in the inputs.
 */
export interface WorkerLayout {
  /** The main process's HTTP replication listener. */
  replicationPort: number;
  workers: { name: string; port: number }[];
}

/** Pure: the workers this deployment runs; undefined when [scale] workers is off (or resolves to none). */
export function workerLayout(inputs: Pick<RenderInputs, "config" | "cpuCount">): WorkerLayout | undefined {
  const count = workerCount(inputs.config.scale.workers, inputs.cpuCount);
  if (count === 0) return undefined;
  const ports = scalePorts(inputs.config.scale, count);
  return { replicationPort: ports.replication, workers: ports.workers.map((port, index) => ({ name: `worker${index + 1}`, port })) };
}

export const workerConfigFile = (paths: Paths, name: string) => join(paths.synapseDir, "workers", `${name}.yaml`);
/** Redis's own dir: its config, and natively its working directory. Under podman also its socket (mounted as containerRedisDir). */
export const redisDir = (paths: Paths) => join(paths.dataDir, "redis");
export const redisConfigFile = (paths: Paths) => join(redisDir(paths), "redis.conf");
/** Natively Redis listens only on this socket (no TCP port), in the native run dir (0700): only this user reaches it. */
export const redisSocketPath = (paths: Paths) => join(paths.nativeRunDir, "redis.sock");
/** Podman: redisDir as every container of the deployment sees it (Redis writes its socket there; the Synapse processes connect). */
export const containerRedisDir = "/run/redis";

/** Where this host reaches Redis's socket (doctor, `up`): the run dir natively, redisDir under podman. */
export const redisSocketOnHost = (paths: Paths, runtime: RenderInputs["config"]["runtime"]["kind"]) =>
  runtime === "podman" ? join(redisDir(paths), "redis.sock") : redisSocketPath(paths);

const yamlString = (value: string) => JSON.stringify(value);

/**
 * The main process's instance name for Synapse's duties (`run_background_tasks_on`,
 * sender lists): "master" (synapse/config/workers.py MAIN_PROCESS_INSTANCE_NAME), not
 * "main", which only names its replication address in `instance_map`
 * (MAIN_PROCESS_INSTANCE_MAP_NAME). A duty given to "main" goes to no process at all:
 * with `run_background_tasks_on: main` nothing wrote room statistics (the admin API's
 * room list stayed empty, so purge and catch-up saw no rooms), client IPs (kick's last
 * seen) or ran scheduled tasks.
 */
const mainProcessInstanceName = "master";

/** Pure: the listener entry homeserver.yaml adds under `listeners:` (indented as the template's). */
export function renderReplicationListener(layout: WorkerLayout | undefined): string {
  if (!layout) return "";
  return [
    "  # Workers ([scale] in mxhome.toml): the main process's replication listener.",
    "  # Loopback only, and Caddy never proxies it.",
    `  - port: ${layout.replicationPort}`,
    "    type: http",
    "    tls: false",
    '    bind_addresses: ["127.0.0.1"]',
    "    resources:",
    "      - names: [replication]",
    "        compress: false",
    "",
  ].join("\n");
}

/** Pure: the shared settings homeserver.yaml adds for workers. */
export function renderWorkersBlock(inputs: RenderInputs, layout: WorkerLayout | undefined): string {
  if (!layout) return "";
  const names = layout.workers.map((worker) => yamlString(worker.name)).join(", ");
  return [
    "",
    `# Workers ([scale] workers = ${JSON.stringify(inputs.config.scale.workers)} in mxhome.toml: ${layout.workers.length}).`,
    "# Generic workers serve /sync, client reads and federation (Caddy routes those",
    "# paths to them) and send outgoing federation; the main process persists",
    "# events and runs background tasks. Redis relays replication between them",
    "# and keeps nothing that needs a backup.",
    "redis:",
    "  enabled: true",
    `  path: ${yamlString(inputs.synapsePaths.redisSocketFile)}`,
    `worker_replication_secret_path: ${yamlString(inputs.synapsePaths.workerReplicationSecretFile)}`,
    "instance_map:",
    "  main:",
    "    host: 127.0.0.1",
    `    port: ${layout.replicationPort}`,
    `federation_sender_instances: [${names}]`,
    `run_background_tasks_on: ${mainProcessInstanceName}`,
    "",
  ].join("\n");
}

/** Pure: one config file per worker (read after homeserver.yaml and the overrides), and Redis's. */
export function renderWorkerFiles(inputs: RenderInputs): RenderedFile[] {
  const layout = workerLayout(inputs);
  if (!layout) return [];
  const { paths, synapsePaths } = inputs;
  const workers = layout.workers.map(
    (worker): RenderedFile => ({
      path: workerConfigFile(paths, worker.name),
      content: fillTemplate(workerTemplate, {
        worker_name: yamlString(worker.name),
        port: worker.port,
        log_config: yamlString(join(synapsePaths.configDir, "log.config")),
      }),
      mode: 0o644,
      // A worker restarts when this file or its main process's inputs change (runtime/desired.ts).
      affects: [],
      process: worker.name,
    }),
  );
  // Under podman Redis reads this file inside its container, where redisDir is containerRedisDir.
  const socket = synapsePaths.redisSocketFile;
  const redis: RenderedFile = {
    path: redisConfigFile(paths),
    content: fillTemplate(redisTemplate, { socket, dir: inputs.config.runtime.kind === "podman" ? dirname(socket) : redisDir(paths) }),
    mode: 0o644,
    affects: [],
    process: "redis",
  };
  return [...workers, redis];
}
