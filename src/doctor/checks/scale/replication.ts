import { gatherReplication, replicationBoundMs, type ReplicationObservation } from "../../facts/replication.ts";
import { defineCheck, fail, ok, skip, type Verdict } from "../../types.ts";

/** Pure: each worker's /sync saw what the main process wrote, within the bound. */
export function judgeReplication(observations: ReplicationObservation[]): Verdict {
  if (!observations.length) return skip("no healthy worker to probe (workers off, or the workers check names the problem)");
  const late = observations.filter((observation) => observation.seenAfterMs === undefined);
  const lines = observations.map((observation) =>
    observation.seenAfterMs !== undefined ? `worker ${observation.worker}: seen after ${observation.seenAfterMs} ms` : `worker ${observation.worker}: ${observation.error ?? `not seen within ${replicationBoundMs / 1000} s`}`,
  );
  if (late.length) {
    return fail(
      `A change written through the main process did not reach the /sync of ${late.map((observation) => `${observation.worker} (127.0.0.1:${observation.port})`).join(", ")} within ${replicationBoundMs / 1000} s: replication through Redis is broken.`,
      `mxhome up   # restarts what is down; if it persists: \`mxhome logs synapse\` and the worker's log (look for "redis" or "replication")`,
      lines,
    );
  }
  return ok(`replication works: ${lines.join(", ")}`, lines);
}

export const replicationCheck = defineCheck({
  id: "replication",
  category: "services",
  title: "Replication: what the main process writes reaches each worker's /sync",
  after: ["workers", "tokens"],
  timeoutMs: 20_000,
  gather: gatherReplication,
  judge: judgeReplication,
});
