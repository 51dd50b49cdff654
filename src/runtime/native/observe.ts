import { existsSync } from "node:fs";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import type { ServiceName } from "../../render/types.ts";
import { parseTailscale, recordTailscale } from "../host/funnel.ts";
import type { HostObservation } from "../host/plan.ts";
import { parseSystemdUser, recordSystemdUser } from "../host/systemd-user.ts";
import { waitFor } from "../health.ts";
import { serviceOrder } from "../runtime.ts";
import { readStartedWith, type StartedWith } from "../service-records.ts";
import { clusterExists } from "./postgres.ts";
import { runningPid } from "./process.ts";
import { type NativePrograms, observePrograms } from "./programs.ts";
import { scaleDaemon, scaleProcessesOnDisk } from "./scale.ts";
import { nativeDaemon } from "./services.ts";

/** Everything the native planner needs to know about the machine. */
export interface NativeObservation {
  clusterExists: boolean;
  running: Record<ServiceName, boolean>;
  /** A pid file is left but its process is gone: the daemon died (or was killed). */
  died: Record<ServiceName, boolean>;
  /** For a service that is not running: its port, when another program already listens there. */
  portTaken: Partial<Record<ServiceName, number>>;
  startedWith: StartedWith;
  host: HostObservation;
  /** Synapse, PostgreSQL and Caddy as found on this machine, probed. */
  programs: NativePrograms;
  /** [scale] processes with a pid file: whether each runs (false: it died, or was killed). */
  scale: Record<string, boolean>;
}

export const servicePort = (config: Config, service: ServiceName): number =>
  ({ postgres: config.network.postgres_port, synapse: config.network.synapse_port, caddy: config.network.caddy_port })[service];

/** Whether another program listens on a loopback port (binding it is the honest test). */
export async function isPortTaken(port: number): Promise<boolean> {
  // Loaded here: node:net costs ~2 ms at start-up, and status, which imports this module, never binds.
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE"));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

export async function observeNative(paths: Paths, config: Config, unitNames: string[]): Promise<NativeObservation> {
  const running = {} as Record<ServiceName, boolean>;
  const died = {} as Record<ServiceName, boolean>;
  const portTaken: Partial<Record<ServiceName, number>> = {};
  for (const service of serviceOrder) {
    const daemon = nativeDaemon(paths, service);
    running[service] = runningPid(daemon) !== undefined;
    died[service] = !running[service] && existsSync(daemon.pidFile);
    const port = servicePort(config, service);
    // A daemon that just died may hold its socket a moment longer than its pid: give it time to let go.
    const taken = async () => !running[service] && (await isPortTaken(port));
    if ((await taken()) && !(died[service] && (await waitFor(async () => !(await taken()), 3_000, 100)))) portTaken[service] = port;
  }
  const [systemd, tailscale, programs] = await Promise.all([recordSystemdUser(unitNames), recordTailscale(), observePrograms(paths, config)]);
  const scale = Object.fromEntries(scaleProcessesOnDisk(paths).map((name) => [name, runningPid(scaleDaemon(paths, name)) !== undefined]));
  return {
    scale,
    clusterExists: clusterExists(paths.postgresDir),
    running,
    died,
    portTaken,
    startedWith: readStartedWith(paths),
    host: { systemd: parseSystemdUser(systemd), tailscale: parseTailscale(tailscale, process.env.USER ?? "") },
    programs,
  };
}
