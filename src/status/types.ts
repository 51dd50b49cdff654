import type { ServiceStateName } from "../doctor/facts/services.ts";
import type { ServiceName } from "../render/types.ts";

/** What `mxhome status --json` prints (printJson adds schemaVersion and command). */
export interface ServiceStatus {
  service: ServiceName;
  state: ServiceStateName;
  pid?: number;
  /** Epoch ms it started. */
  since?: number;
  memoryBytes?: number;
  restarts?: number;
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
  synapse: { healthy: boolean; version?: string };
  /** Local accounts (mxhome's own two included) and rooms; undefined when Synapse or the token is unavailable. */
  counts?: { users: number; rooms: number };
  sizes: { databaseBytes?: number; mediaBytes?: number };
  lastRuns: { purge?: LastRun; kick?: LastRun; "catch-up"?: LastRun };
  /** The newest archive on disk and whether a timer makes them (src/backup/last.ts). */
  backup: { scheduled: boolean; newest?: { createdAt: string; bytes: number; encrypted: boolean }; ageDays?: number; lastRun?: LastRun };
  timers: { job: string; state: "scheduled" | "paused" | "missing" | "unknown"; next?: string }[];
}

export interface UnconfiguredStatus {
  configured: false;
  configFile: string;
  problem: string;
}

export type StatusReport = ServerStatus | UnconfiguredStatus;
