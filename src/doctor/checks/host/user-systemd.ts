import { type CommandOutput, commandFact, firstLine } from "../../facts/command.ts";
import type { FactScope } from "../../facts/index.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

export interface UserSystemdFacts {
  /** `systemctl --user is-system-running`. */
  state: CommandOutput;
  /** `systemctl --user list-units --failed --plain --no-legend --full`, read only when degraded. */
  failed?: CommandOutput;
}

const stateFact = commandFact(["systemctl", "--user", "is-system-running"]);
const failedFact = commandFact(["systemctl", "--user", "list-units", "--failed", "--plain", "--no-legend", "--full"]);

export async function gatherUserSystemd(scope: FactScope): Promise<UserSystemdFacts> {
  const state = await stateFact(scope);
  return state?.stdout.trim().startsWith("degraded") ? { state, failed: await failedFact(scope) } : { state };
}

/**
 * Podman runs each container's HealthCmd from a transient unit named
 * `<64-hex container id>-<hex>.service`. Every check that fails during a
 * start period (Synapse migrating its schema) leaves one failed, which marks
 * the whole manager "degraded" although nothing is wrong (seen in the podman
 * box: podman 5.4.2, systemd 257).
 */
const podmanHealthcheckUnit = /^[0-9a-f]{64}-[0-9a-f]+\.(service|timer)$/;

/**
 * `systemctl --user is-system-running` prints the manager's state (running,
 * degraded, starting…) and exits non-zero unless it is "running"; with no
 * user manager it prints "offline" or fails with "Failed to connect to bus".
 */
export function judgeUserSystemd({ state: output, failed }: UserSystemdFacts): Verdict {
  const reach = "Log in on a normal session (not `su`), or run `loginctl enable-linger $USER`; over sudo/ssh use `machinectl shell $USER@` so XDG_RUNTIME_DIR and the user bus exist.";
  if (!output) return fail("systemctl is not installed: mxhome's services and timers run under the user's systemd.", reach);
  const state = output.stdout.trim().split("\n")[0] ?? "";
  if (state === "running") return ok("the user's systemd manager is running");
  if (state === "starting" || state === "initializing") return ok(`the user's systemd manager is ${state}`);
  if (state === "degraded") {
    const units = (failed?.stdout ?? "").split("\n").map((line) => line.trim().split(/\s+/)[0] ?? "").filter(Boolean);
    const real = units.filter((unit) => !podmanHealthcheckUnit.test(unit));
    if (units.length > 0 && real.length === 0) {
      return ok(`the user's systemd manager is running (${units.length} podman health check${units.length === 1 ? "" : "s"} failed during a container's start period)`);
    }
    const named = real.length ? `: ${real.join(", ")}` : "";
    return warn(`the user's systemd manager is degraded: some user unit failed${named}.`, "systemctl --user --failed   # then: systemctl --user reset-failed");
  }
  return fail(`the user's systemd manager is not reachable (${state || firstLine(output)}).`, reach);
}

export const userSystemdCheck = defineCheck({
  id: "user-systemd",
  category: "host",
  title: "User systemd reachable",
  runtimes: ["podman"],
  gather: gatherUserSystemd,
  judge: judgeUserSystemd,
});
