import type { CatchUpReport } from "../../../catchup/report.ts";
import { readRunRecord, type RunRecord } from "../../../state/runs.ts";
import { type Check, info, ok, type Verdict, warn } from "../../types.ts";

/**
 * The last `mxhome catch-up` (run by `up`, `restore` and, under podman,
 * after every start of Synapse): it has no schedule, so it is never stale;
 * a server it could not wake sends only when its own retry timer runs out,
 * and a gap it could not close fills when someone scrolls back there.
 */
export function judgeLastCatchUp(record: RunRecord | undefined): Verdict {
  if (!record) return info("`mxhome catch-up` has not run yet (it runs when the homeserver starts).", "mxhome catch-up");
  const when = `${record.finishedAt.slice(0, 16).replace("T", " ")} UTC`;
  if (record.ok) return ok(`${when}: ${record.summary}`);
  const report = record.report as Partial<CatchUpReport> | undefined;
  const open = (report?.gaps?.rooms ?? []).filter((room) => !room.closed).map((room) => room.roomId);
  const unwoken = (report?.servers ?? []).some((server) => !server.woken);
  if (open.length && !unwoken) {
    return warn(
      `the last catch-up (${when}) left gaps in the history of ${open.join(", ")}: ${record.summary}`,
      "mxhome catch-up   # tries again; scrolling back in those rooms also makes Synapse fetch the missing events",
    );
  }
  return warn(
    `the last catch-up (${when}) did not wake every server: ${record.summary}`,
    "mxhome catch-up   # try again; a server that stays unreachable sends when its own retry timer runs out",
  );
}

export const lastCatchUpCheck: Check = {
  id: "last-catch-up",
  category: "jobs",
  title: "Last catch-up",
  run: ({ paths }) => judgeLastCatchUp(readRunRecord(paths, "catch-up")),
};
