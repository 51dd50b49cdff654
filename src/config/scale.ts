import { type Field, integerField } from "./fields.ts";

/**
 * [scale]: whether Synapse runs as one process or as a main process plus
 * generic workers that share Redis for replication (upstream docs/workers.md),
 * natively as daemons, under podman as quadlet units.
 * Self-contained so the schema only lists it; rendering resolves "auto" with
 * the CPU count it is given, so golden files never depend on the host.
 */
export type WorkersSetting = "off" | "auto" | number;

export interface ScaleConfig {
  workers: WorkersSetting;
  first_port: number;
}

/** More would only share the same cores: each worker is one Python reactor. */
export const maxWorkers = 8;
/** What "auto" may pick: one core stays with the main process and PostgreSQL. */
export const maxAutoWorkers = 4;

const allowedWorkers = `"off", "auto", or a whole number from 1 to ${maxWorkers}`;

/** A TOML string, a TOML integer, or (from `init --workers 2`) a string of digits. */
function parseWorkers(value: unknown): WorkersSetting | undefined {
  if (value === "off" || value === "auto") return value;
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) && number >= 1 && number <= maxWorkers ? number : undefined;
}

function workersField(doc: string, defaultValue: WorkersSetting): Field<WorkersSetting> {
  return {
    isField: true,
    doc,
    default: defaultValue,
    allowed: allowedWorkers,
    parse: (value) => {
      const parsed = parseWorkers(value);
      return parsed === undefined ? { ok: false } : { ok: true, value: parsed };
    },
  };
}

/**
 * Pure: how many generic workers a setting means on a machine with this many
 * CPUs. "auto": one per core beyond the first (which the main process and
 * PostgreSQL keep), at least 1, at most 4.
 */
export function workerCount(setting: WorkersSetting, cpus: number): number {
  if (setting === "off") return 0;
  if (setting === "auto") return Math.min(maxAutoWorkers, Math.max(1, Math.floor(cpus) - 1));
  return setting;
}

/** The most workers a setting can mean on any machine, for checks that must hold everywhere (port ranges). */
export const mostWorkers = (setting: WorkersSetting): number => (setting === "auto" ? maxAutoWorkers : workerCount(setting, 1));

/** Ports [first_port, first_port + workers]: the main process's replication listener, then one per worker. */
export function scalePorts(scale: ScaleConfig, workers: number): { replication: number; workers: number[] } {
  return { replication: scale.first_port, workers: Array.from({ length: workers }, (_, index) => scale.first_port + 1 + index) };
}

export const scaleSpec = {
  workers: workersField(
    '"off" runs Synapse as one process; a number (or "auto": one per CPU core beyond the first, at most 4) adds generic workers that serve /sync, client reads and federation, with Redis between them. Off by default: with a few people chatting at once one process is as fast and 95 MB smaller; with 50 chatting among 150 online one worker made messages arrive 2.5x sooner on 2 cores (bench/load.ts --mode workers; "Growing" in the README).',
    "off",
  ),
  first_port: integerField("With workers: the main process's replication listener on 127.0.0.1 takes this port, worker N the port N above it.", {
    default: 8100,
    min: 1,
    max: 65535 - maxWorkers,
  }),
};
