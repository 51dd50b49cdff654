import type { CatchUpReport } from "../../../catchup/report.ts";
import { readRunRecord, type RunRecord } from "../../../state/runs.ts";
import { type Check, info, ok, type Verdict, warn } from "../../types.ts";

/**
 * The last `mxhome catch-up` (run by `up`, `restore` and, under podman,
 * after every start of Synapse): it has no schedule, so it is never stale;
 * a server it could not wake sends only when its own retry timer runs out.
 */
export function judgeLastCatchUp(record: RunRecord | undefined): Verdict {
  if (!record) return info("`mxhome catch-up` has not run yet (it runs when the homeserver starts).", "mxhome catch-up");
  const when = `${record.finishedAt.slice(0, 16).replace("T", " ")} UTC`;
  if (!record.ok) {
    return warn(
      `the last catch-up (${when}) did not wake every server: ${record.summary}`,
      "mxhome catch-up   # try again; a server that stays unreachable sends when its own retry timer runs out",
    );
  }
  const late = ((record.report as Partial<CatchUpReport> | undefined)?.servers ?? []).filter((server) => server.newestMayBeMissing).map((server) => server.server);
  if (late.length) {
    return info(
      `${when}: ${record.summary}`,
      `ask someone on ${late.join(", ")} to write in the rooms you share: their newest messages from the outage then arrive (README, "After the PC was off")`,
    );
  }
  return ok(`${when}: ${record.summary}`);
}

export const lastCatchUpCheck: Check = {
  id: "last-catch-up",
  category: "jobs",
  title: "Last catch-up",
  run: ({ paths }) => judgeLastCatchUp(readRunRecord(paths, "catch-up")),
};
