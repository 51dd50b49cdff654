import { gatherServices, type ServiceObservation } from "../../facts/services.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export function judgeServicesRunning(services: ServiceObservation[]): Verdict {
  const down = services.filter((service) => service.state !== "running" && service.state !== "starting");
  const describe = (service: ServiceObservation) =>
    service.state === "missing"
      ? `${service.service}: unit ${service.unit} does not exist (quadlet generated nothing)`
      : service.state === "unknown"
        ? `${service.service}: state unknown (user systemd not reachable)`
        : service.state === "failed" && service.unit
          ? `${service.service}: ${service.unit} failed`
          : `${service.service}: ${service.died ? "stopped unexpectedly (its process is gone)" : service.state}`;
  if (down.length === 0) return ok(services.map((service) => `${service.service}${service.pid ? ` (pid ${service.pid})` : ""}`).join(", ") + " running");
  const missing = down.some((service) => service.state === "missing");
  const fix = missing
    ? "systemctl --user daemon-reload && mxhome up   # if the unit still does not appear: QUADLET_UNIT_DIRS=~/.config/containers/systemd /usr/libexec/podman/quadlet -dryrun -user"
    : `mxhome up   # then \`mxhome logs ${down[0]!.service}\` if it stops again`;
  const details = down.flatMap((service) => (service.lastLines?.length ? [`last lines of ${service.unit}:`, ...service.lastLines.map((line) => `  ${line}`)] : []));
  return { ...fail(down.map(describe).join("; "), fix), ...(details.length ? { details } : {}) };
}

export const servicesRunningCheck = defineCheck({
  id: "services-running",
  category: "services",
  title: "Services running",
  gather: gatherServices,
  judge: judgeServicesRunning,
});
