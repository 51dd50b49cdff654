import type { ServiceName } from "../../../render/types.ts";
import type { FactScope } from "../../facts/index.ts";
import { gatherServices, type ServiceObservation } from "../../facts/services.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export interface PortObservation {
  service: ServiceName;
  port: number;
  running: boolean;
  /** Something listens on 127.0.0.1:port (ours, when the service runs). */
  taken: boolean;
}

export async function gatherPorts(scope: FactScope): Promise<PortObservation[]> {
  const services = await scope.facts.get(gatherServices);
  return Promise.all(
    services.map(async (service: ServiceObservation) => ({
      service: service.service,
      port: service.port,
      running: service.state === "running" || service.state === "starting",
      taken: await scope.io.portTaken(service.port),
    })),
  );
}

const setting: Record<ServiceName, string> = { postgres: "postgres_port", synapse: "synapse_port", caddy: "caddy_port" };

export function judgePorts(ports: PortObservation[]): Verdict {
  const seen = new Map<number, ServiceName>();
  for (const entry of ports) {
    const other = seen.get(entry.port);
    if (other) return fail(`${other} and ${entry.service} are both set to port ${entry.port}.`, `Give each its own port in [network] of mxhome.toml, then run \`mxhome up\`.`);
    seen.set(entry.port, entry.service);
  }
  const conflicts = ports.filter((entry) => entry.taken && !entry.running);
  if (conflicts.length) {
    const list = conflicts.map((entry) => `${entry.port} (${entry.service})`).join(", ");
    const first = conflicts[0]!;
    return fail(
      `another program listens on 127.0.0.1 port ${list}, so mxhome's service cannot start there.`,
      `ss -ltnp 'sport = :${first.port}'   # shows the program; stop it, or set [network] ${setting[first.service]} in mxhome.toml to a free port and run \`mxhome up\``,
    );
  }
  return ok(ports.map((entry) => `${entry.service} ${entry.port}${entry.running ? "" : " (free)"}`).join(", "));
}

export const portsCheck = defineCheck({
  id: "ports",
  category: "host",
  title: "Loopback ports free or ours",
  gather: gatherPorts,
  judge: judgePorts,
});
