import { readRunRecord, type RunRecord } from "../../../state/runs.ts";
import { type Check, fail, info, ok, type Verdict, warn } from "../../types.ts";

/**
 * The last run of a scheduled job, from its run record (src/state/runs.ts).
 * `lastRunCheck("backup", 10)` gives another job the same check.
 */
export function judgeLastRun(job: string, record: RunRecord | undefined, staleAfterDays: number, now: Date): Verdict {
  const logs = `journalctl --user -u mxhome-${job}.service -e`;
  if (!record) return info(`\`mxhome ${job}\` has not run yet.`, `mxhome ${job}   # or wait for its timer`);
  const finished = Date.parse(record.finishedAt);
  const ageDays = Math.floor((now.getTime() - finished) / 86_400_000);
  const when = `${new Date(finished).toISOString().slice(0, 16).replace("T", " ")} UTC (${ageDays} d ago)`;
  if (!record.ok) return fail(`the last \`mxhome ${job}\` failed at ${when}: ${record.summary}`, `mxhome ${job}   # run it again to see the error; timer runs: ${logs}`);
  if (ageDays > staleAfterDays) return warn(`the last \`mxhome ${job}\` ran at ${when}, longer ago than its schedule allows: is its timer paused?`, `mxhome up   # enables the timers; or run \`mxhome ${job}\` now`);
  return ok(`last run ${when}: ${record.summary}`);
}

export function lastRunCheck(job: string, staleAfterDays: number): Check {
  return {
    id: `last-${job}`,
    category: "jobs",
    title: `Last ${job}`,
    run: ({ paths, now }) => judgeLastRun(job, readRunRecord(paths, job), staleAfterDays, now()),
  };
}

/** purge runs monthly (a missed run catches up at boot), kick daily. */
export const lastPurgeCheck = lastRunCheck("purge", 40);
export const lastKickCheck = lastRunCheck("kick", 3);
