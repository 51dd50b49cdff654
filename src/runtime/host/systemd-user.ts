import { exec, which } from "../../io/exec.ts";
import { MxError } from "../../ui/errors.ts";

/** The user's systemd manager (`systemctl --user`), which runs the timers and, with podman, the services. */
export interface UnitState {
  load: string;
  active: string;
  sub: string;
  unitFileState: string;
}

export interface SystemdUserObservation {
  reachable: boolean;
  units: Record<string, UnitState>;
}

/** Pure: `systemctl show` output, blank-line-separated blocks of Key=Value, keyed by Id. */
export function parseShowOutput(text: string): Record<string, Record<string, string>> {
  const units: Record<string, Record<string, string>> = {};
  for (const block of text.split(/\n\s*\n/)) {
    const properties: Record<string, string> = {};
    for (const line of block.split("\n")) {
      const equals = line.indexOf("=");
      if (equals > 0) properties[line.slice(0, equals)] = line.slice(equals + 1);
    }
    if (properties.Id) units[properties.Id] = properties;
  }
  return units;
}

/** Pure: the four states `up` and `down` plan with, from `systemctl show -p Id,LoadState,…`. */
export function parseSystemctlShow(text: string): Record<string, UnitState> {
  return Object.fromEntries(
    Object.entries(parseShowOutput(text)).map(([id, fields]) => [
      id,
      { load: fields.LoadState ?? "", active: fields.ActiveState ?? "", sub: fields.SubState ?? "", unitFileState: fields.UnitFileState ?? "" },
    ]),
  );
}

/** The raw `systemctl --user show` output for these units; undefined when there is no user manager to ask. */
export async function recordSystemdUser(unitNames: string[]): Promise<string | undefined> {
  if (!which("systemctl")) return undefined;
  const result = await exec(["systemctl", "--user", "show", "--property=Id,LoadState,ActiveState,SubState,UnitFileState", ...unitNames], {
    timeoutMs: 10_000,
  }).catch(() => undefined);
  // "Failed to connect to bus": no user manager (no login session, no XDG_RUNTIME_DIR).
  return result?.exitCode === 0 ? result.stdout : undefined;
}

/** Pure: the observation from a recording. */
export function parseSystemdUser(show: string | undefined): SystemdUserObservation {
  return show === undefined ? { reachable: false, units: {} } : { reachable: true, units: parseSystemctlShow(show) };
}

export async function systemctlUser(args: string[], timeoutMs = 120_000): Promise<void> {
  const result = await exec(["systemctl", "--user", ...args], { timeoutMs });
  if (result.exitCode === 0) return;
  throw new MxError(`\`systemctl --user ${args.join(" ")}\` failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`, {
    code: "systemd.failed",
    hint: "See `systemctl --user status` and `journalctl --user -e` for why.",
  });
}

/** Whether a user unit has failed for good (Restart= gave up); false when unknown. */
export async function unitFailed(unit: string): Promise<boolean> {
  const result = await exec(["systemctl", "--user", "is-failed", "--quiet", unit], { timeoutMs: 10_000 }).catch(() => undefined);
  return result?.exitCode === 0;
}

/**
 * The last journal lines of a user unit, for a failed start's error message.
 * With `identifier` (a container's name: podman's journald log driver tags
 * its output so) only what the program itself printed, when it printed anything.
 */
export async function journalTail(unit: string, lines = 20, identifier?: string): Promise<string> {
  const read = async (filter: string[]) =>
    (await exec(["journalctl", "--user", "--unit", unit, ...filter, "--lines", String(lines), "--no-pager", "--output=cat"], { timeoutMs: 10_000 }).catch(() => undefined))?.stdout.trimEnd() ?? "";
  return (identifier && (await read(["--identifier", identifier]))) || read([]);
}
