import { gatherServices, type ServiceObservation } from "../../facts/services.ts";
import { defineCheck, info, ok, type Verdict, warn } from "../../types.ts";

/** systemd's NRestarts: automatic restarts (Restart=always) since the unit was last started by hand. */
export function judgeRestarts(services: ServiceObservation[]): Verdict {
  const restarted = services.filter((service) => (service.restarts ?? 0) > 0);
  if (restarted.length === 0) return ok("no automatic restarts");
  const list = restarted.map((service) => `${service.service} ${service.restarts}×`).join(", ");
  const worst = restarted.reduce((a, b) => ((a.restarts ?? 0) >= (b.restarts ?? 0) ? a : b));
  const fix = `mxhome logs ${worst.service}   # shows why it keeps stopping`;
  if ((worst.restarts ?? 0) >= 3) return warn(`restarted automatically: ${list}. A service that keeps crashing is unavailable between restarts.`, fix);
  return info(`restarted automatically: ${list}.`, fix);
}

export const restartsCheck = defineCheck({
  id: "restarts",
  category: "services",
  title: "Restart counts",
  runtimes: ["podman"],
  after: ["user-systemd"],
  gather: gatherServices,
  judge: judgeRestarts,
});
