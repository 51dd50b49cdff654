/**
 * bench/load.ts's meters: memory and CPU of a process tree from /proc, and
 * latency percentiles. Linux only, like mxhome's native runtime.
 */
import { readdirSync, readFileSync } from "node:fs";

const clockTicks = 100; // USER_HZ: 100 on every Linux ABI mxhome runs on (x86-64, aarch64).

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name, so index 0 is field 3 (state). */
function statFields(pid: number): string[] | undefined {
  return readOr(`/proc/${pid}/stat`)?.replace(/^.*\)\s*/, "").split(" ");
}

/** The pid and its descendants (PostgreSQL's postmaster and its backends). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (Number.isInteger(parent)) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export interface MemorySample {
  /** Sum of RSS: shared pages (PostgreSQL's shared_buffers) counted once per process. */
  rssMb: number;
  /** Sum of PSS: shared pages split among the processes sharing them; what the tree really costs. */
  pssMb: number;
}

/** /proc/<pid>/smaps_rollup of every process in the tree (processes that exit meanwhile count 0). */
export function memoryOf(root: number): MemorySample {
  let rssKb = 0;
  let pssKb = 0;
  for (const pid of processTree(root)) {
    const rollup = readOr(`/proc/${pid}/smaps_rollup`) ?? "";
    rssKb += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return { rssMb: rssKb / 1024, pssMb: pssKb / 1024 };
}

/**
 * CPU seconds used so far by the tree: each live process's utime+stime, plus
 * the root's cutime+cstime, which holds the backends that already exited.
 */
export function cpuSecondsOf(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const fields = statFields(pid);
    if (!fields) continue;
    // utime, stime are fields 14 and 15; cutime, cstime 16 and 17 (proc(5)).
    ticks += Number(fields[11]) + Number(fields[12]);
    if (pid === root) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks / clockTicks;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
