import { timerCalendars, type TimerJob } from "../../../render/systemd.ts";
import { parseSystemdTimestamp, gatherUnits, timerJobs, timerUnit, type UnitsObservation } from "../../facts/systemd.ts";
import { defineCheck, fail, info, ok, type RuntimeKind, type Verdict, warn } from "../../types.ts";

export interface TimerState {
  job: TimerJob;
  unit: string;
  state: "scheduled" | "paused" | "missing" | "unknown";
  next?: number;
}

/** Pure: each timer's state from `systemctl --user show`. */
export function timerStates(units: UnitsObservation, jobs: TimerJob[]): TimerState[] {
  return jobs.map((job) => {
    const unit = timerUnit(job);
    const properties = units.units[unit];
    if (!units.reachable || !properties) return { job, unit, state: "unknown" };
    if (properties.LoadState === "not-found") return { job, unit, state: "missing" };
    const scheduled = properties.ActiveState === "active";
    return { job, unit, state: scheduled ? "scheduled" : "paused", next: parseSystemdTimestamp(properties.NextElapseUSecRealtime) };
  });
}

export function judgeTimers(units: UnitsObservation, jobs: TimerJob[], runtime: RuntimeKind, now: Date): Verdict {
  if (!units.reachable) {
    const detail = `the user's systemd is not reachable (${units.error}), so the ${jobs.join(" and ")} timers do not run.`;
    const fix = "Log in on a normal session (or `loginctl enable-linger $USER`), then `mxhome up`; meanwhile run `mxhome purge` by hand.";
    return runtime === "native" ? info(detail, fix) : fail(detail, fix);
  }
  const timers = timerStates(units, jobs);
  const missing = timers.filter((timer) => timer.state === "missing");
  if (missing.length) return fail(`not installed: ${missing.map((timer) => timer.unit).join(", ")}.`, "mxhome up");
  const paused = timers.filter((timer) => timer.state !== "scheduled");
  if (paused.length) return warn(`paused: ${paused.map((timer) => timer.unit).join(", ")} (after \`mxhome down\`?).`, "mxhome up   # enables the timers again");
  const when = (timer: TimerState) => {
    if (timer.next === undefined) return `${timer.job} (${timerCalendars[timer.job]})`;
    const days = Math.max(0, Math.round((timer.next - now.getTime()) / 86_400_000));
    return `${timer.job} ${new Date(timer.next).toISOString().slice(0, 16).replace("T", " ")} UTC (in ${days} d)`;
  };
  return ok(`next: ${timers.map(when).join(", ")}`);
}

export const timersCheck = defineCheck({
  id: "timers",
  category: "services",
  title: "Timers scheduled",
  gather: gatherUnits,
  judge: (units, { config, now }) => judgeTimers(units, timerJobs(config), config.runtime.kind, now()),
});
