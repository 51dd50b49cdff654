import type { Config } from "../../config/schema.ts";
import { quadletUnits } from "../../render/quadlet.ts";
import { type TimerJob, timerCalendars } from "../../render/systemd.ts";
import { serviceOrder } from "../../runtime/runtime.ts";
import type { FactScope } from "./index.ts";
import { parseShowOutput } from "../../runtime/host/systemd-user.ts";

/**
 * The user's systemd, read once: `systemctl --user show` for every mxhome
 * unit (the podman services and the timers), with TZ=UTC so timestamps are
 * unambiguous ("Tue 2026-09-01 00:00:00 UTC").
 */
export type UnitProperties = Record<string, string>;

export interface UnitsObservation {
  reachable: boolean;
  /** Why not, when not: systemctl's complaint. */
  error?: string;
  units: Record<string, UnitProperties>;
}

export const unitProperties = [
  "Id",
  "LoadState",
  "ActiveState",
  "SubState",
  "UnitFileState",
  "Result",
  "NRestarts",
  "MainPID",
  "ActiveEnterTimestamp",
  "MemoryCurrent",
  "NextElapseUSecRealtime",
  "LastTriggerUSec",
];

/** Timer jobs the config renders (backup only when enabled). */
export function timerJobs(config: Config): TimerJob[] {
  return (Object.keys(timerCalendars) as TimerJob[]).filter((job) => job !== "backup" || config.backup.enabled);
}

export const timerUnit = (job: TimerJob) => `mxhome-${job}.timer`;

export function mxhomeUnitNames(config: Config): string[] {
  const services = config.runtime.kind === "podman" ? serviceOrder.map((service) => quadletUnits[service].service) : [];
  return [...services, ...timerJobs(config).map(timerUnit)];
}


/** Pure: a systemd timestamp printed under TZ=UTC ("Tue 2026-09-01 00:00:00 UTC") as epoch ms; n/a and empty are undefined. */
export function parseSystemdTimestamp(value: string | undefined): number | undefined {
  const match = /(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? UTC/.exec(value ?? "");
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
}

/** Pure: a numeric property, undefined for "[not set]", "infinity" or the uint64 "unset" value. */
export function parseSystemdNumber(value: string | undefined): number | undefined {
  if (!value || !/^\d+$/.test(value) || value === "18446744073709551615") return undefined;
  return Number(value);
}

export async function gatherUnits({ io, config }: FactScope): Promise<UnitsObservation> {
  const argv = ["systemctl", "--user", "show", `--property=${unitProperties.join(",")}`, ...mxhomeUnitNames(config)];
  const output = await io.run(argv, { timeoutMs: 3_000, env: { ...process.env, TZ: "UTC" } });
  if (!output) return { reachable: false, error: "systemctl is not installed", units: {} };
  if (output.exitCode !== 0) return { reachable: false, error: (output.stderr.trim() || `exit ${output.exitCode}`).split("\n")[0], units: {} };
  return { reachable: true, units: parseShowOutput(output.stdout) };
}
