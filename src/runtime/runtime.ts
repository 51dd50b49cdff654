import type { Config } from "../config/schema.ts";
import type { PlannedWrite } from "../io/managed-files.ts";
import type { ServiceName } from "../render/types.ts";
import type { RecordedSynapse } from "./native/synapse-source.ts";

/**
 * The port both runtimes implement. `up` and `down` are split into a pure
 * planner (observations in, actions out) and an executor that only runs
 * what the plan says, so `--dry-run` prints exactly what `up` would do.
 */
export type RuntimeKind = Config["runtime"]["kind"];

/** Services in start order; stopping goes the other way. */
export const serviceOrder: readonly ServiceName[] = ["postgres", "synapse", "caddy"];

/** What mxhome.toml asks for, derived from the rendered deployment without touching the machine. */
export interface DesiredState {
  /** Rendered files that differ from disk. */
  writes: PlannedWrite[];
  /** Per service, a hash of every input it reads: a running service started with another hash is stale. */
  fingerprints: Record<ServiceName, string>;
  /** [scale] processes (Redis first, then each Synapse worker) with their input fingerprints; empty when workers are off. */
  scale: { name: string; fingerprint: string }[];
  /** systemd timer units (`mxhome-purge.timer`) the deployment renders. */
  timers: string[];
  /** Rendered unit files (quadlet or systemd user units) being written: systemd must reload. */
  unitFilesChanged: boolean;
  /** Where Funnel should forward public 443: Caddy's loopback port. */
  funnelTarget: string;
}

export type Action =
  | { kind: "write-files"; files: { path: string; action: PlannedWrite["action"] }[] }
  /** Native: build mxhome's Synapse venv of this version from the lock built into the binary, and make it the active one. */
  | { kind: "install-synapse"; version: string; reason: string }
  /** Native: remember which Synapse this deployment runs (in the state dir). */
  | { kind: "record-synapse"; source: RecordedSynapse }
  | { kind: "init-database-cluster" }
  | { kind: "create-database" }
  | { kind: "podman-secret"; name: string; mode: "create" | "replace" | "remove-and-create" }
  | { kind: "pull-image"; image: string }
  | { kind: "daemon-reload" }
  | { kind: "start"; service: ServiceName; reason: string }
  | { kind: "restart"; service: ServiceName; reason: string }
  | { kind: "stop"; service: ServiceName }
  /** A [scale] process, Redis or a Synapse worker ("worker1"): natively a daemon, with podman its unit. */
  | { kind: "start-process"; process: string; reason: string }
  | { kind: "restart-process"; process: string; reason: string }
  | { kind: "stop-process"; process: string; reason: string }
  /** Podman: delete the quadlet units of [scale] processes no longer asked for (file names in the quadlet dir); systemd reloads after. */
  | { kind: "remove-units"; files: string[] }
  /** `systemctl --user enable` (with `--now` when `start`): timers, and natively the login unit. */
  | { kind: "enable-units"; units: string[]; start: boolean }
  /** `systemctl --user disable` (with `--now` when `stop`): how `down` pauses the timers. */
  | { kind: "disable-units"; units: string[]; stop: boolean }
  | { kind: "funnel-on"; target: string }
  | { kind: "funnel-off"; target: string };

/** A prerequisite that is not met: `up` applies nothing and names the fix. */
export interface Blocker {
  code: string;
  message: string;
  fix: string;
}

export interface Plan {
  runtime: RuntimeKind;
  actions: Action[];
  blockers: Blocker[];
  /** Things that do not stop `up` but the user should know, each with its fix. */
  notes: string[];
}

/** What `up` and `down` report; `up` adds its accounts and endpoints. */
export interface RunReport {
  runtime: RuntimeKind;
  dryRun: boolean;
  /** False when the machine already matched what was asked. */
  changed: boolean;
  plan: Plan;
}

export type ServiceState = "running" | "stopped" | "failed" | "unknown";

/** A service, or a [scale] process ("redis", "worker1"); their names for `logs` are in log-sources.ts. */
export type LogSource = { kind: "service"; service: ServiceName } | { kind: "process"; process: string };

export interface LogsRequest {
  /** The sources to show, in order (all of the deployment's when `logs` is given no name). */
  sources: LogSource[];
  follow: boolean;
  lines: number;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  /** Observes the machine and plans `up`; changes nothing. */
  planUp(desired: DesiredState): Promise<Plan>;
  /** Observes the machine and plans `down`; changes nothing. */
  planDown(desired: DesiredState): Promise<Plan>;
  /** Inputs a service reads besides the rendered files (natively the postgres settings), for fingerprints. */
  fingerprintInputs(): Partial<Record<ServiceName, string[]>>;
  /** Runs one runtime-specific action (the shared kinds are run by the executor in execute.ts). */
  apply(action: Action, desired: DesiredState): Promise<void>;
  serviceStates(): Promise<Record<ServiceName, ServiceState>>;
  /** Prints logs to stdout; resolves when done (never, with follow, until interrupted). */
  logs(request: LogsRequest): Promise<void>;
}
