import { type CommandOutput, commandFact } from "../../facts/command.ts";
import { defineCheck, info, ok, type Verdict, warn } from "../../types.ts";

export const gatherClock = commandFact(["timedatectl", "show", "--property=NTPSynchronized", "--property=NTP"]);

const fix = "sudo timedatectl set-ntp true";

/** `timedatectl show --property=NTPSynchronized --property=NTP` prints `NTP=yes` / `NTPSynchronized=yes` lines. */
export function judgeClock(output: CommandOutput): Verdict {
  const synchronised = output?.exitCode === 0 ? /^NTPSynchronized=(yes|no)$/m.exec(output.stdout)?.[1] : undefined;
  if (synchronised === "yes") return ok("the system clock is synchronised (NTP)");
  if (synchronised === "no") {
    const ntpOff = /^NTP=no$/m.test(output!.stdout);
    return warn(
      `the system clock is not synchronised${ntpOff ? " and NTP is off" : ""}: other servers reject signed requests and keys whose timestamps are off.`,
      fix,
    );
  }
  return info("cannot tell whether the clock is synchronised (timedatectl unavailable here).", "Make sure an NTP client runs (systemd-timesyncd, chrony or ntpd).");
}

export const clockCheck = defineCheck({
  id: "clock",
  category: "host",
  title: "Clock synchronised",
  needsConfig: false,
  gather: gatherClock,
  judge: judgeClock,
});
