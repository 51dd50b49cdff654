import { maxWorkers } from "../config/scale.ts";
import type { ServiceName } from "../render/types.ts";
import { usageError } from "../ui/errors.ts";
import { type LogSource, serviceOrder } from "./runtime.ts";

/**
 * What `mxhome logs` can show, named here once for both runtimes: the three
 * services, and with [scale] workers Redis and each Synapse worker
 * ("synapse-worker1"). Natively each name is a file, logs/<name>.log; under
 * podman a unit's journal. Pure.
 */

/** A [scale] process's name for logs: "redis", or "synapse-worker1" for the worker "worker1". */
export const processLogName = (process: string) => (process === "redis" ? "redis" : `synapse-${process}`);

export const logName = (source: LogSource) => (source.kind === "service" ? source.service : processLogName(source.process));

/** Every name `logs` accepts, whatever [scale] says here: for --help and shell completion. */
export const logNames: readonly string[] = [
  ...serviceOrder,
  "redis",
  ...Array.from({ length: maxWorkers }, (_, index) => processLogName(`worker${index + 1}`)),
];

/** "synapse-worker2" → the process "worker2"; a service's name → that service; anything else → undefined. */
export function parseLogSource(name: string): LogSource | undefined {
  if ((serviceOrder as readonly string[]).includes(name)) return { kind: "service", service: name as ServiceName };
  if (name === "redis") return { kind: "process", process: "redis" };
  const worker = /^synapse-(worker([1-9]\d*))$/.exec(name);
  return worker && Number(worker[2]) <= maxWorkers ? { kind: "process", process: worker[1]! } : undefined;
}

/** What `logs` with no name shows: the services, then this deployment's workers ("worker1"…) with Redis before them. */
export function deploymentLogSources(workers: readonly string[]): LogSource[] {
  const processes = workers.length ? ["redis", ...workers] : [];
  return [
    ...serviceOrder.map((service): LogSource => ({ kind: "service", service })),
    ...processes.map((process): LogSource => ({ kind: "process", process })),
  ];
}

/** `mxhome logs [name]` for a deployment with these workers: its sources, or a usage error naming the ones it has. */
export function chooseLogSources(name: string | undefined, workers: readonly string[]): LogSource[] {
  const deployed = deploymentLogSources(workers);
  if (name === undefined) return deployed;
  const names = deployed.map(logName);
  const source = parseLogSource(name);
  if (source && names.includes(name)) return [source];
  const why = source ? `"${name}" is not part of this deployment (${workers.length ? `[scale] workers runs ${workers.length}` : "[scale] workers is off"})` : `Unknown service "${name}"`;
  throw usageError(`${why}.`, "logs.unknown-service", `Choose one of: ${names.join(", ")}.`);
}
