import { type LastBackup, lastBackup } from "../../../backup/last.ts";
import { formatBytes } from "../../format-units.ts";
import { timerCalendars } from "../../../render/systemd.ts";
import { type Check, info, ok, type Verdict, warn } from "../../types.ts";
import { judgeLastRun } from "./last-runs.ts";

/** The backup timer is weekly (timerCalendars.backup); a backup older than twice that is a warning. */
export const backupScheduleDays = timerCalendars.backup === "weekly" ? 7 : 1;

const scheduleFix = "set `enabled = true` under [backup] in mxhome.toml, then `mxhome up` (a weekly timer); or run `mxhome backup` yourself";

/** Pure: backups configured or not, and how old the newest is. */
export function judgeBackups(enabled: boolean, last: LastBackup, now: Date): Verdict {
  const newest = last.newest ? `${last.newest.file} (${formatBytes(last.newest.bytes)}, ${last.ageDays} d old)` : undefined;
  if (!enabled) return info(newest ? `backups are not scheduled; the newest is ${newest}` : "backups are not configured", scheduleFix);
  if (last.lastRun && !last.lastRun.ok) {
    const { finishedAt, ok: succeeded, summary } = last.lastRun;
    return judgeLastRun("backup", { command: "backup", startedAt: finishedAt, finishedAt, ok: succeeded, summary }, backupScheduleDays * 2, now);
  }
  if (!last.newest) return warn(`backups are scheduled, but there is no archive in ${last.dir} yet`, "mxhome backup");
  if ((last.ageDays ?? 0) > backupScheduleDays * 2) {
    return warn(`the newest backup is ${newest}: older than twice the weekly schedule. Is the timer paused?`, "mxhome up   # enables the timers; or run `mxhome backup` now");
  }
  return ok(`newest ${newest}`);
}

export const backupCheck: Check = {
  id: "last-backup",
  category: "jobs",
  title: "Last backup",
  run: ({ paths, config, now }) => judgeBackups(config.backup.enabled, lastBackup(paths, config, now()), now()),
};
