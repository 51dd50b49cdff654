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

/** Pure: `systemctl show -p Id,LoadState,…` output, one blank-line-separated block per unit. */
export function parseSystemctlShow(text: string): Record<string, UnitState> {
  const units: Record<string, UnitState> = {};
  for (const block of text.split(/\n\s*\n/)) {
    const fields = Object.fromEntries(
      block
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    if (!fields.Id) continue;
    units[fields.Id] = {
      load: fields.LoadState ?? "",
      active: fields.ActiveState ?? "",
      sub: fields.SubState ?? "",
      unitFileState: fields.UnitFileState ?? "",
    };
  }
  return units;
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

/** The last journal lines of a user unit, for a failed start's error message. */
export async function journalTail(unit: string, lines = 20): Promise<string> {
  const result = await exec(["journalctl", "--user", "--unit", unit, "--lines", String(lines), "--no-pager", "--output=cat"], {
    timeoutMs: 10_000,
  }).catch(() => undefined);
  return result?.stdout.trimEnd() ?? "";
}
