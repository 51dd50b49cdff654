import { processLabel } from "../../../runtime/describe.ts";
import { redisInstallFix } from "../../../runtime/native/redis.ts";
import { gatherScale, type ScaleProcessObservation } from "../../facts/scale.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

const describeProblem = (process: ScaleProcessObservation) =>
  process.state === "running"
    ? `${processLabel(process.name)} (pid ${process.pid}) runs but does not answer ${process.name === "redis" ? "PING on its socket" : `/health on 127.0.0.1:${process.port}`}`
    : `${processLabel(process.name)} is ${process.state === "died" ? "not running: it stopped unexpectedly" : "not running"}`;

/** Pure: Redis and every worker [scale] asks for run and answer; leftovers are named. */
export function judgeWorkers(processes: ScaleProcessObservation[]): Verdict {
  if (!processes.length) return ok('workers off ([scale] workers = "off"): Synapse runs as one process');
  const wanted = processes.filter((process) => process.wanted);
  const broken = wanted.filter((process) => process.state !== "running" || !process.healthy);
  const leftovers = processes.filter((process) => !process.wanted && process.state === "running");
  if (broken.length) {
    const first = broken[0]!;
    const redisDown = broken.some((process) => process.name === "redis");
    return fail(
      `${broken.map(describeProblem).join("; ")}.${redisDown ? " Without Redis the workers get no replication: their /sync stops seeing new messages." : ""}`,
      `mxhome up   # starts ${broken.map((process) => processLabel(process.name)).join(", ")}; its log: ${first.logFile}${redisDown ? ` (redis-server missing? ${redisInstallFix})` : ""}`,
      broken.map((process) => `${processLabel(process.name)}: log ${process.logFile}`),
    );
  }
  const running = wanted.map((process) => `${processLabel(process.name)}${process.port ? ` on 127.0.0.1:${process.port}` : ""}`).join(", ");
  if (leftovers.length) {
    return warn(`${running} healthy; ${leftovers.map((process) => processLabel(process.name)).join(", ")} still run although [scale] no longer asks for them.`, "mxhome up   # stops them");
  }
  return ok(`${running} healthy`);
}

export const workersCheck = defineCheck({
  id: "workers",
  category: "services",
  title: "Redis and the Synapse workers running and answering",
  runtimes: ["native"],
  gather: gatherScale,
  judge: judgeWorkers,
});
