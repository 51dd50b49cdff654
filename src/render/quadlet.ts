import { basename, dirname, join, relative } from "node:path";
import caddyTemplate from "../../templates/mxhome-caddy.container" with { type: "text" };
import postgresTemplate from "../../templates/mxhome-postgres.container" with { type: "text" };
import redisTemplate from "../../templates/mxhome-redis.container" with { type: "text" };
import synapseTemplate from "../../templates/mxhome-synapse.container" with { type: "text" };
import workerTemplate from "../../templates/mxhome-synapse-worker.container" with { type: "text" };
import { MxError } from "../ui/errors.ts";
import { caddyfilePath } from "./caddy.ts";
import { images } from "./images.ts";
import { containerSynapsePaths } from "./synapse.ts";
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs, ServiceName } from "./types.ts";
import { containerRedisDir, redisConfigFile, redisDir, type WorkerLayout, workerConfigFile, workerLayout } from "./workers.ts";

/** The podman secret both containers read the database password from; `up` creates it. */
export const postgresPasswordSecret = "mxhome-postgres-password";

/** The user unit that runs `mxhome catch-up` (src/render/systemd.ts): Synapse's container Wants= it, so it runs on every start of Synapse, whoever started it. */
export const catchUpServiceName = "mxhome-catch-up.service";

/** Quadlet unit file → the systemd service quadlet generates from it, per service. */
export const quadletUnits: Record<ServiceName, { file: string; service: string; container: string }> = {
  postgres: { file: "mxhome-postgres.container", service: "mxhome-postgres.service", container: "mxhome-postgres" },
  synapse: { file: "mxhome-synapse.container", service: "mxhome-synapse.service", container: "mxhome-synapse" },
  caddy: { file: "mxhome-caddy.container", service: "mxhome-caddy.service", container: "mxhome-caddy" },
};

/** A [scale] process's unit: "redis" → mxhome-redis, "worker1" → mxhome-synapse-worker1. */
export function scaleUnit(process: string): { file: string; service: string; container: string } {
  const container = process === "redis" ? "mxhome-redis" : `mxhome-synapse-${process}`;
  return { file: `${container}.container`, service: `${container}.service`, container };
}

/** Pure: the [scale] process a quadlet file name belongs to ("mxhome-synapse-worker2.container" → "worker2"), if any. */
export function scaleProcessOfUnitFile(file: string): string | undefined {
  const match = /^mxhome-(?:(redis)|synapse-(worker\d+))\.container$/.exec(file);
  return match?.[1] ?? match?.[2];
}

/**
 * A host path goes into `Volume=` and from there into the generated ExecStart,
 * where systemd expands `%` and `$`, and podman splits on `:`. Spaces are fine
 * (quadlet quotes them); these characters are not, so refuse them plainly.
 */
function volumeSource(path: string): string {
  if (/[:%$"\\\x00-\x1f]/.test(path)) {
    throw new MxError(`Cannot mount ${JSON.stringify(path)} into a container: it contains : % $ " \\ or a control character.`, {
      code: "render.unsafe-path",
      hint: "Point HOME or XDG_DATA_HOME/XDG_CONFIG_HOME at a directory without those characters.",
    });
  }
  return path;
}

/** Host directories the containers bind-mount; they must exist before the units start. */
export function quadletHostDirectories(inputs: RenderInputs): string[] {
  const { paths } = inputs;
  const scale = workerLayout(inputs) ? [redisDir(paths)] : [];
  return [paths.postgresDir, paths.synapseDir, paths.secretsDir, join(paths.caddyDir, "data"), join(paths.caddyDir, "config"), ...scale];
}

function renderPostgres(inputs: RenderInputs): string {
  return fillTemplate(postgresTemplate, {
    image: images.postgres,
    container_name: quadletUnits.postgres.container,
    postgres_password_secret: postgresPasswordSecret,
    postgres_port: inputs.config.network.postgres_port,
    postgres_dir: volumeSource(inputs.paths.postgresDir),
  });
}

/** What the main Synapse's unit and each worker's share: the image, the database secret, the mounts, the memory ceiling. */
function synapseContainerValues(inputs: RenderInputs) {
  const inside = containerSynapsePaths();
  return {
    image: inputs.synapseImage ?? images.synapse,
    postgres_password_secret: postgresPasswordSecret,
    synapse_dir: volumeSource(inputs.paths.synapseDir),
    secrets_dir: volumeSource(inputs.paths.secretsDir),
    overrides_file: volumeSource(inputs.paths.synapseOverridesFile),
    redis_dir: volumeSource(redisDir(inputs.paths)),
    container_config_dir: inside.configDir,
    container_secrets_dir: dirname(inside.signingKeyFile),
    container_overrides_file: inside.overridesFile,
    container_homeserver_yaml: join(inside.configDir, "homeserver.yaml"),
    container_redis_dir: containerRedisDir,
    memory_high: inputs.config.resources.memory_high,
  };
}

/** With workers, the main process connects to Redis at start: it wants Redis started first, and mounts its socket's dir. */
function synapseRedisLines(inputs: RenderInputs, layout: WorkerLayout | undefined) {
  if (!layout) return { redis_dependency: "", redis_volume: "" };
  const redis = scaleUnit("redis").service;
  return {
    redis_dependency: `# Workers ([scale] in mxhome.toml): Redis relays replication.\nWants=${redis}\nAfter=${redis}\n`,
    redis_volume: `Volume=${volumeSource(redisDir(inputs.paths))}:${containerRedisDir}:ro,z\n`,
  };
}

function renderSynapse(inputs: RenderInputs): string {
  return fillTemplate(synapseTemplate, {
    ...synapseContainerValues(inputs),
    ...synapseRedisLines(inputs, workerLayout(inputs)),
    container_name: quadletUnits.synapse.container,
    postgres_service: quadletUnits.postgres.service,
    catch_up_service: catchUpServiceName,
    synapse_port: inputs.config.network.synapse_port,
  });
}

function renderCaddy(inputs: RenderInputs): string {
  const { caddyDir } = inputs.paths;
  return fillTemplate(caddyTemplate, {
    image: images.caddy,
    container_name: quadletUnits.caddy.container,
    synapse_service: quadletUnits.synapse.service,
    caddy_port: inputs.config.network.caddy_port,
    caddyfile: volumeSource(caddyfilePath(inputs.paths)),
    caddy_data_dir: volumeSource(join(caddyDir, "data")),
    caddy_config_dir: volumeSource(join(caddyDir, "config")),
  });
}

const renderers: Record<ServiceName, (inputs: RenderInputs) => string> = {
  postgres: renderPostgres,
  synapse: renderSynapse,
  caddy: renderCaddy,
};

/** [scale]: Redis (no persistence: redis.conf, mounted with its socket's dir) and one unit per worker, from the main process's image. */
function renderScaleUnits(inputs: RenderInputs, layout: WorkerLayout): RenderedFile[] {
  const { paths } = inputs;
  const unit = (process: string, content: string): RenderedFile => ({ path: join(paths.quadletDir, scaleUnit(process).file), content, mode: 0o644, affects: [], process });
  const redis = unit(
    "redis",
    fillTemplate(redisTemplate, {
      image: images.redis,
      container_name: scaleUnit("redis").container,
      redis_dir: volumeSource(redisDir(paths)),
      container_redis_dir: containerRedisDir,
      container_redis_conf: join(containerRedisDir, basename(redisConfigFile(paths))),
      container_redis_socket: inputs.synapsePaths.redisSocketFile,
    }),
  );
  const inside = containerSynapsePaths();
  const workers = layout.workers.map((worker) =>
    unit(
      worker.name,
      fillTemplate(workerTemplate, {
        ...synapseContainerValues(inputs),
        worker_name: worker.name,
        container_name: scaleUnit(worker.name).container,
        redis_service: scaleUnit("redis").service,
        synapse_service: quadletUnits.synapse.service,
        port: worker.port,
        container_worker_file: join(inside.configDir, relative(paths.synapseDir, workerConfigFile(paths, worker.name))),
      }),
    ),
  );
  return [redis, ...workers];
}

/**
 * The quadlet `.container` units, under the user's quadlet dir: the three
 * services, and with [scale] workers Redis and each worker. Empty for the
 * native runtime, which runs the same services as plain processes.
 */
export function renderQuadletUnits(inputs: RenderInputs): RenderedFile[] {
  if (inputs.config.runtime.kind !== "podman") return [];
  const services = (Object.keys(quadletUnits) as ServiceName[]).map((service) => ({
    path: join(inputs.paths.quadletDir, quadletUnits[service].file),
    content: renderers[service](inputs),
    mode: 0o644,
    affects: [service],
  }));
  const layout = workerLayout(inputs);
  return layout ? [...services, ...renderScaleUnits(inputs, layout)] : services;
}
