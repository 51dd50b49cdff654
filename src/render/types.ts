import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";

/** The services mxhome runs; a rendered file names the ones a change to it must restart. */
export type ServiceName = "postgres" | "synapse" | "caddy";

export interface RenderedFile {
  /** Absolute host path. */
  path: string;
  content: string;
  mode: number;
  /** Services to restart when this file changes (empty: none, e.g. a timer). */
  affects: ServiceName[];
  /** A [scale] process (Redis, a Synapse worker) this file configures: it restarts when the file changes. */
  process?: string;
}

/**
 * Where Synapse sees its files. Natively these are host paths; under podman
 * they are paths inside the container. Tests map paths here, never by editing
 * rendered output.
 */
export interface SynapsePaths {
  /** Directory of homeserver.yaml and log.config. */
  configDir: string;
  mediaStoreDir: string;
  signingKeyFile: string;
  macaroonSecretFile: string;
  formSecretFile: string;
  registrationSecretFile: string;
  workerReplicationSecretFile: string;
  overridesFile: string;
  /** Redis's socket ([scale] workers): where Synapse's processes (and under podman Redis itself) see it. */
  redisSocketFile: string;
}

export interface RenderInputs {
  config: Config;
  paths: Paths;
  synapsePaths: SynapsePaths;
  /** Absolute path of the mxhome executable the timers run. */
  mxhomeBinary: string;
  /** CPUs of the machine, for `[scale] workers = "auto"` (the caller reads the host; renderers never do). */
  cpuCount: number;
  /** Where Caddy proxies /_matrix; defaults to Synapse's loopback listener. Tests put an echo server here. */
  upstream?: string;
  /** Where Caddy proxies the worker routes; defaults to the workers' loopback listeners. Tests put echo servers here. */
  workerUpstreams?: string[];
  /** Podman: the Synapse image the unit names (the deployment's recorded version); defaults to the pin. */
  synapseImage?: string;
}
