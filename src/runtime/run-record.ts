import type { Paths } from "../config/paths.ts";
import { acquireLock } from "../state/lock.ts";
import { writeRunRecord } from "../state/runs.ts";
import { describeAction } from "./describe.ts";
import type { Plan } from "./runtime.ts";

/**
 * `up` and `down` change the same daemons, so they share one lock ("up"):
 * a timer's `mxhome up` never races a manual `down`. Each run leaves a
 * record for `status` and `doctor`.
 */
export async function withServiceLock<T extends { plan: Plan }>(paths: Paths, command: "up" | "down", work: () => Promise<T>): Promise<T> {
  const release = acquireLock(paths, "up");
  const startedAt = new Date().toISOString();
  const record = (ok: boolean, summary: string, report?: unknown) =>
    writeRunRecord(paths, { command, startedAt, finishedAt: new Date().toISOString(), ok, summary, report });
  try {
    const report = await work();
    const done = report.plan.actions.map(describeAction);
    record(true, done.length ? done.join("; ") : "nothing changed", report);
    return report;
  } catch (error) {
    record(false, (error as Error).message.split("\n")[0] ?? "failed");
    throw error;
  } finally {
    release();
  }
}
