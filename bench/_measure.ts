/** Shared helpers for the benchmark scripts: medians of repeated wall-clock runs. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function timeRun(argv: string[], env: Record<string, string | undefined> = process.env): number {
  const start = performance.now();
  const result = Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "pipe" });
  const elapsed = performance.now() - start;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString()}`);
  return elapsed;
}

export const format = (ms: number) => `${ms.toFixed(1)} ms`;
