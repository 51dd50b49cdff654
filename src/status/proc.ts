import { readdirSync, readFileSync } from "node:fs";

/**
 * Uptime and memory of a native daemon from /proc: its start time (field 22
 * of /proc/<pid>/stat, in clock ticks since boot) and the memory of it and
 * its children (PostgreSQL is a postmaster with backends), from
 * /proc/<pid>/status. Not PSS from smaps_rollup: that walks every page table
 * of the process, 23 ms for one Synapse on the development VM, which was the
 * largest part of `status`'s own time.
 */
export const clockTicksPerSecond = 100; // USER_HZ on every Linux architecture mxhome runs on

/** Pure: fields of /proc/<pid>/stat after the `(comm)` part, which may itself hold spaces and parentheses. */
export function parseProcStat(text: string): { ppid: number; session: number; startTicks: number } | undefined {
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state): ppid is field 4, session field 6, starttime field 22.
  const ppid = Number(rest[1]);
  const session = Number(rest[3]);
  const startTicks = Number(rest[19]);
  return Number.isFinite(ppid) && Number.isFinite(session) && Number.isFinite(startTicks) ? { ppid, session, startTicks } : undefined;
}

/** Pure: kB of a `Field:   123 kB` line of /proc/<pid>/status, as bytes. */
export function parseKbField(text: string, field: "RssAnon" | "RssFile" | "RssShmem"): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/**
 * Pure: the memory of a process tree from each member's /proc/<pid>/status:
 * every member's private (anonymous) memory, plus the file-backed and shared
 * memory counted once (backends map the same binary and the same shared
 * buffers, so summing their RSS would count those once per backend).
 */
export function treeMemoryBytes(statuses: string[]): number | undefined {
  let anonymous = 0;
  let file = 0;
  let shared = 0;
  for (const status of statuses) {
    anonymous += parseKbField(status, "RssAnon") ?? 0;
    file = Math.max(file, parseKbField(status, "RssFile") ?? 0);
    shared = Math.max(shared, parseKbField(status, "RssShmem") ?? 0);
  }
  return anonymous + file + shared || undefined;
}

const read = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** Every process's parent, read once. */
function processParents(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    const parsed = stat ? parseProcStat(stat) : undefined;
    if (parsed) parents.set(Number(name), parsed.ppid);
  }
  return parents;
}

/** Pure: pids whose ancestor chain includes `root` (root included). */
export function processTree(root: number, parents: Map<number, number>): number[] {
  const tree = [root];
  for (const pid of parents.keys()) {
    let ancestor = parents.get(pid);
    for (let depth = 0; ancestor !== undefined && ancestor > 1 && depth < 16; depth++) {
      if (ancestor === root) {
        tree.push(pid);
        break;
      }
      ancestor = parents.get(ancestor);
    }
  }
  return tree;
}

export interface ProcessUsage {
  /** Epoch ms the process started. */
  since?: number;
  memoryBytes?: number;
}

/** Start time and memory (children included) of each pid; unknown fields stay undefined. */
export function processUsages(pids: number[], now = Date.now()): Map<number, ProcessUsage> {
  const usages = new Map<number, ProcessUsage>();
  if (pids.length === 0) return usages;
  const uptime = Number(read("/proc/uptime")?.split(" ")[0]);
  const parents = processParents();
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    const parsed = stat ? parseProcStat(stat) : undefined;
    const since = parsed && Number.isFinite(uptime) ? Math.round(now - (uptime - parsed.startTicks / clockTicksPerSecond) * 1000) : undefined;
    const memoryBytes = treeMemoryBytes(processTree(pid, parents).map((member) => read(`/proc/${member}/status`) ?? ""));
    usages.set(pid, { since, memoryBytes });
  }
  return usages;
}
