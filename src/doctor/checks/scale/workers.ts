import { processLabel } from "../../../runtime/describe.ts";
import { redisInstallFix } from "../../../runtime/native/redis.ts";
import { gatherScale, type ScaleProcessObservation } from "../../facts/scale.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

/** "Synapse worker1", with podman "Synapse worker1 (mxhome-synapse-worker1.service)". */
const named = (process: ScaleProcessObservation) => `${processLabel(process.name)}${process.unit ? ` (${process.unit})` : ""}`;

const describeProblem = (process: ScaleProcessObservation) =>
  process.state === "running"
    ? `${processLabel(process.name)} (${process.unit ?? `pid ${process.pid}`}) runs but does not answer ${process.name === "redis" ? "PING on its socket" : `/health on 127.0.0.1:${process.port}`}`
    : `${named(process)} is ${process.state === "died" ? (process.unit ? "not running: its unit failed" : "not running: it stopped unexpectedly") : "not running"}`;

/** Pure: Redis and every worker [scale] asks for run and answer; leftovers are named. */
export function judgeWorkers(processes: ScaleProcessObservation[]): Verdict {
  if (!processes.length) return ok('workers off ([scale] workers = "off"): Synapse runs as one process');
  const wanted = processes.filter((process) => process.wanted);
  const broken = wanted.filter((process) => process.state !== "running" || !process.healthy);
  const leftovers = processes.filter((process) => !process.wanted && process.state === "running");
  if (broken.length) {
    const first = broken[0]!;
    const redisDown = broken.find((process) => process.name === "redis");
    // Natively Redis is the distribution's program, which may be missing; under podman it is an image `up` pulls.
    const missingRedis = redisDown && !redisDown.unit ? ` (redis-server missing? ${redisInstallFix})` : "";
    return fail(
      `${broken.map(describeProblem).join("; ")}.${redisDown ? " Without Redis the workers get no replication: their /sync stops seeing new messages." : ""}`,
      `mxhome up   # starts ${broken.map((process) => processLabel(process.name)).join(", ")}; its log: ${first.log}${missingRedis}`,
      broken.map((process) => `${named(process)}: log ${process.log}`),
    );
  }
  const running = wanted.map((process) => `${named(process)}${process.port ? ` on 127.0.0.1:${process.port}` : ""}`).join(", ");
  if (leftovers.length) {
    return warn(`${running} healthy; ${leftovers.map(named).join(", ")} still run although [scale] no longer asks for them.`, "mxhome up   # stops them");
  }
  return ok(`${running} healthy`);
}

export const workersCheck = defineCheck({
  id: "workers",
  category: "services",
  title: "Redis and the Synapse workers running and answering",
  gather: gatherScale,
  judge: judgeWorkers,
});
