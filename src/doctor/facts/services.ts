import { existsSync } from "node:fs";
import type { ServiceName } from "../../render/types.ts";
import { quadletUnits } from "../../render/quadlet.ts";
import { servicePort } from "../../runtime/native/observe.ts";
import { runningPid } from "../../runtime/native/process.ts";
import { nativeDaemon } from "../../runtime/native/services.ts";
import { serviceOrder } from "../../runtime/runtime.ts";
import type { FactScope } from "./index.ts";
import { gatherUnits, parseSystemdNumber, parseSystemdTimestamp, type UnitsObservation } from "./systemd.ts";

/**
 * Each service's state, the same shape for both runtimes: natively from the
 * pid files (checked against /proc, so a recycled pid is not ours), with
 * podman from the Quadlet-generated systemd units.
 */
export type ServiceStateName = "running" | "starting" | "stopped" | "failed" | "missing" | "unknown";

export interface ServiceObservation {
  service: ServiceName;
  state: ServiceStateName;
  port: number;
  pid?: number;
  /** podman: the systemd unit. */
  unit?: string;
  /** Epoch ms the service (unit) became active. */
  since?: number;
  restarts?: number;
  memoryBytes?: number;
  /** Natively: a pid file was left by a process that is gone (it died or was killed). */
  died?: boolean;
  /** podman, a failed unit: its last journal lines (why it gave up). */
  lastLines?: string[];
}

/** How many journal lines a failed unit's report shows. */
export const failedUnitLines = 10;

/** Pure: podman service states from `systemctl --user show`. */
export function servicesFromUnits(units: UnitsObservation, ports: Record<ServiceName, number>): ServiceObservation[] {
  return serviceOrder.map((service) => {
    const unit = quadletUnits[service].service;
    const properties = units.units[unit];
    const base = { service, unit, port: ports[service] };
    if (!units.reachable || !properties) return { ...base, state: "unknown" };
    if (properties.LoadState === "not-found") return { ...base, state: "missing" };
    const active = properties.ActiveState;
    const state: ServiceStateName =
      active === "active" ? "running" : active === "activating" || active === "reloading" ? "starting" : active === "failed" ? "failed" : "stopped";
    const pid = parseSystemdNumber(properties.MainPID);
    return {
      ...base,
      state,
      ...(pid ? { pid } : {}),
      since: state === "running" ? parseSystemdTimestamp(properties.ActiveEnterTimestamp) : undefined,
      restarts: parseSystemdNumber(properties.NRestarts),
      memoryBytes: parseSystemdNumber(properties.MemoryCurrent),
    };
  });
}

/**
 * A failed unit's last lines: what the container itself printed (podman's
 * journald log driver tags it with the container's name), else the unit's
 * own lines (systemd's and podman's, when the container never printed).
 */
async function journalLines(scope: FactScope, service: ServiceName, unit: string): Promise<string[]> {
  const read = async (filter: string[]) => {
    const argv = ["journalctl", "--user", "--unit", unit, ...filter, "--lines", String(failedUnitLines), "--no-pager", "--output=cat"];
    return ((await scope.io.run(argv, { timeoutMs: 5_000 }))?.stdout ?? "").split("\n").filter((line) => line.trim() !== "");
  };
  const own = await read(["--identifier", quadletUnits[service].container]);
  return own.length ? own : read([]);
}

export async function gatherServices(scope: FactScope): Promise<ServiceObservation[]> {
  const { config, paths } = scope;
  const ports = Object.fromEntries(serviceOrder.map((service) => [service, servicePort(config, service)])) as Record<ServiceName, number>;
  if (config.runtime.kind === "podman") {
    const services = servicesFromUnits(await scope.facts.get(gatherUnits), ports);
    return Promise.all(services.map(async (service) => (service.state === "failed" && service.unit ? { ...service, lastLines: await journalLines(scope, service.service, service.unit) } : service)));
  }
  return serviceOrder.map((service) => {
    const daemon = nativeDaemon(paths, service);
    const pid = runningPid(daemon);
    if (pid !== undefined) return { service, state: "running", pid, port: ports[service] };
    return { service, state: "stopped", port: ports[service], died: existsSync(daemon.pidFile) };
  });
}
