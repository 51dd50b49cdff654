import { formatBytes } from "../doctor/format-units.ts";
import { log } from "../ui/logger.ts";

/** A job's duration, precise below a minute: 404 ms, 6.4 s, 2 min 5 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Progress on stderr for long steps: at most one line every few seconds, never per file. */
export function createProgress(label: string, total: number, intervalMs = 3000, clock: () => number = Date.now) {
  let last = clock();
  return (done: number) => {
    const now = clock();
    if (now - last < intervalMs || total === 0) return;
    last = now;
    log.info(`${label}: ${formatBytes(done)} of ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)`);
  };
}
