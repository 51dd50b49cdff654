import { type CommandOutput, commandFact, firstLine } from "../../facts/command.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

export const gatherUserSystemd = commandFact(["systemctl", "--user", "is-system-running"]);

/**
 * `systemctl --user is-system-running` prints the manager's state (running,
 * degraded, starting…) and exits non-zero unless it is "running"; with no
 * user manager it prints "offline" or fails with "Failed to connect to bus".
 */
export function judgeUserSystemd(output: CommandOutput): Verdict {
  const reach = "Log in on a normal session (not `su`), or run `loginctl enable-linger $USER`; over sudo/ssh use `machinectl shell $USER@` so XDG_RUNTIME_DIR and the user bus exist.";
  if (!output) return fail("systemctl is not installed: mxhome's services and timers run under the user's systemd.", reach);
  const state = output.stdout.trim().split("\n")[0] ?? "";
  if (state === "running") return ok("the user's systemd manager is running");
  if (state === "starting" || state === "initializing") return ok(`the user's systemd manager is ${state}`);
  if (state === "degraded") return warn("the user's systemd manager is degraded: some user unit failed.", "systemctl --user --failed   # then: systemctl --user reset-failed");
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
