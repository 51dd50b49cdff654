/**
 * The native runtime's share of the PC: its daemons run niced and at the
 * lowest best-effort IO priority, so the person at the desktop wins every
 * contest for CPU and disk. Not the "idle" IO class: under a busy desktop it
 * can starve PostgreSQL's fsync indefinitely, stalling every Synapse write.
 *
 * Niceness alone is not enough where the kernel's autogroup scheduler is on
 * (CONFIG_SCHED_AUTOGROUP, /proc/sys/kernel/sched_autogroup_enabled): it
 * shares the CPU between sessions first and weighs nice only inside one, and
 * each daemon runs in a session of its own. Measured here: a CPU-bound job
 * beside two busy processes at nice 19 took 2.1 s when they shared its
 * session and 4.6 s when each had its own. So each daemon's session is niced
 * too (niceDaemonSession), and further than one process: the scheduler gives
 * every session its own share, and PostgreSQL, Synapse and Caddy are three
 * sessions. At 15 (weight 29 in the kernel's table) the three weigh together
 * about what one session at 10 (weight 110) would.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseProcStat } from "../../status/proc.ts";

export const backgroundNice = 10;
export const backgroundSessionNice = 15;
export const backgroundIoPriority = { class: 2, level: 7 } as const;

/**
 * Pure: argv run through `nice` and `ionice`, which exec the program in place,
 * so the daemon keeps the pid that was spawned and its children (PostgreSQL's
 * backends) inherit both. A missing tool just leaves that setting out.
 */
export function withBackgroundPriority(argv: string[], tools: { nice?: string; ionice?: string }): string[] {
  // Short options: POSIX nice and busybox's ionice know no long ones.
  const ionice = tools.ionice ? [tools.ionice, "-c", String(backgroundIoPriority.class), "-n", String(backgroundIoPriority.level)] : [];
  const nice = tools.nice ? [tools.nice, "-n", String(backgroundNice)] : [];
  return [...nice, ...ionice, ...argv];
}

/** Adapter: the same, with nice (coreutils) and ionice (util-linux) found on PATH. */
export function atBackgroundPriority(argv: string[]): string[] {
  return withBackgroundPriority(argv, { nice: Bun.which("nice") ?? undefined, ionice: Bun.which("ionice") ?? undefined });
}

/** Pure: the session id in /proc/<pid>/stat, or undefined for none (0) or an unreadable line. */
export function sessionIdFromStat(stat: string): number | undefined {
  const session = parseProcStat(stat)?.session;
  return session !== undefined && Number.isInteger(session) && session > 0 ? session : undefined;
}

/**
 * Adapter: gives the autogroup of the daemon's session (the daemon's own:
 * only a session leader's is changed, never the session mxhome was started
 * from) the background session niceness. An unprivileged process may raise an
 * autogroup's nice, at most once per 100 ms machine-wide (EAGAIN), so it
 * retries for about a second. Without autogroup support (no such file) or
 * when it is switched off, nothing is lost: plain nice then applies.
 */
export function niceDaemonSession(pid: number, nice: number = backgroundSessionNice): void {
  try {
    if (sessionIdFromStat(readFileSync(`/proc/${pid}/stat`, "utf8")) !== pid) return;
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      writeFileSync(`/proc/${pid}/autogroup`, String(nice));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
      Bun.sleepSync(110);
    }
  }
}
