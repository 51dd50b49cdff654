import { type CommandOutput, commandFact, firstLine } from "../../facts/command.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

export const gatherLinger = commandFact(({ io }) => ["loginctl", "show-user", io.user.name, "--property=Linger"]);

const fix = "loginctl enable-linger $USER";

/**
 * `loginctl show-user NAME --property=Linger` prints `Linger=yes|no`; for a
 * user with no session and no linger it fails with "User ID … is not logged
 * in or lingering" (which also means no linger).
 */
export function judgeLinger(output: CommandOutput): Verdict {
  if (!output) return warn("loginctl is not available, so linger cannot be checked; without it your user's services stop at logout.", fix);
  const linger = /^Linger=(yes|no)$/m.exec(output.stdout)?.[1];
  if (linger === "yes") return ok("linger is on: the services keep running after you log out and start at boot");
  if (linger === "no" || /not logged in or lingering/i.test(output.stderr)) {
    return fail("linger is off: systemd stops your user's services (the homeserver) when you log out, and starts them only when you log in.", fix);
  }
  return warn(`could not read linger: ${firstLine(output)}`, fix);
}

export const lingerCheck = defineCheck({
  id: "linger",
  category: "host",
  title: "Services survive logout (linger)",
  runtimes: ["podman"],
  gather: gatherLinger,
  judge: judgeLinger,
});
