/**
 * Runs `work` over `items` with at most `limit` at a time, in order of
 * start. A rejection stops new starts and is rethrown once the running ones
 * settle, so nothing is left running behind the caller's back.
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}

/** A progress line at most every `intervalMs` (and always the last one), so a long step shows it is moving. */
export function throttledProgress(report: (message: string) => void, intervalMs = 2_000, clock = () => Date.now()) {
  let last = Number.NEGATIVE_INFINITY;
  return (done: number, total: number, describe: (done: number, total: number) => string) => {
    const now = clock();
    if (done < total && now - last < intervalMs) return;
    last = now;
    report(describe(done, total));
  };
}
