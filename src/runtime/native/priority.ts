/**
 * The native runtime's share of the PC: its daemons run niced and at the
 * lowest best-effort IO priority, so the person at the desktop wins every
 * contest for CPU and disk. Not the "idle" IO class: under a busy desktop it
 * can starve PostgreSQL's fsync indefinitely, stalling every Synapse write.
 */
export const backgroundNice = 10;
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
