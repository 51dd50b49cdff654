import type { ServiceStateName } from "../doctor/facts/services.ts";
import type { ServiceName } from "../render/types.ts";
import type { UpgradeStep } from "../upgrade/versions.ts";

/** What `mxhome status --json` prints (printJson adds schemaVersion and command). */
export interface ServiceStatus {
  service: ServiceName;
  state: ServiceStateName;
  pid?: number;
  /** Epoch ms it started. */
  since?: number;
  memoryBytes?: number;
  restarts?: number;
  /** podman: the systemd unit. */
  unit?: string;
  /** A failed unit's last journal lines. */
  lastLines?: string[];
}

export interface WorkerStatus {
  name: string;
  state: "running" | "stopped" | "died";
  healthy: boolean;
  /** False: a leftover that `mxhome up` stops ([scale] no longer asks for it). */
  wanted: boolean;
  pid?: number;
  port?: number;
  /** podman: its systemd unit. */
  unit?: string;
}

export interface LastRun {
  finishedAt: string;
  ok: boolean;
  summary: string;
}

export interface ServerStatus {
  configured: true;
  serverName: string;
  publicUrl: string;
  runtime: "podman" | "native";
  services: ServiceStatus[];
  /** [scale] processes: Redis and each Synapse worker, with their health; empty when workers are off. */
  workers: WorkerStatus[];
  synapse: { healthy: boolean; version?: string };
  /** Components deployed older than this mxhome pins (src/upgrade/versions.ts): `mxhome upgrade` moves them. */
  behindPins: UpgradeStep[];
  /** Local accounts (mxhome's own two included) and rooms; undefined when Synapse or the token is unavailable. */
  counts?: { users: number; rooms: number };
  sizes: { databaseBytes?: number; mediaBytes?: number };
  /** `kick` is the last observe or apply run; a preview (`mxhome kick`, maybe `--as-of`) is kept apart. */
  lastRuns: { purge?: LastRun; kick?: LastRun; kickPreview?: LastRun; "catch-up"?: LastRun };
  /** The newest archive on disk and whether a timer makes them (src/backup/last.ts); `restoredFrom`: the archive the last successful `mxhome restore` read. */
  backup: {
    scheduled: boolean;
    newest?: { createdAt: string; bytes: number; encrypted: boolean };
    ageDays?: number;
    lastRun?: LastRun;
    restoredFrom?: { archive: string; finishedAt: string };
  };
  timers: { job: string; state: "scheduled" | "paused" | "missing" | "unknown"; next?: string }[];
}

/** mxhome.toml is missing, unreadable or invalid. */
export interface UnconfiguredStatus {
  configured: false;
  configFile: string;
  /** "not set up yet: …", or the file's state: "invalid" or "unreadable". */
  problem: string;
  /** Unreadable or invalid: each problem as `file:line: message` (status then exits 2). */
  problems?: string[];
  /** Unreadable or invalid: the services as far as they can be seen without a valid config. */
  services?: ServiceStatus[];
}

export type StatusReport = ServerStatus | UnconfiguredStatus;
