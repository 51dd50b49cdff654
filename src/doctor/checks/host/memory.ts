import type { FactScope } from "../../facts/index.ts";
import { formatBytes } from "../../format-units.ts";
import { defineCheck, fail, info, ok, type Verdict, warn } from "../../types.ts";

export const gatherMeminfo = ({ io }: FactScope) => io.readText("/proc/meminfo");

/** Pure: kB fields of /proc/meminfo, as bytes. */
export function parseMeminfo(text: string): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const match of text.matchAll(/^(\w+):\s+(\d+)\s*kB$/gm)) fields[match[1]!] = Number(match[2]) * 1024;
  return fields;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Synapse with PostgreSQL and Caddy idles at 0.6–1.2 GB and spikes during a catch-up after days offline. */
export function judgeMemory(meminfo: string | undefined): Verdict {
  const fields = parseMeminfo(meminfo ?? "");
  const total = fields.MemTotal;
  const available = fields.MemAvailable;
  if (total === undefined) return info("cannot read /proc/meminfo.");
  const summary = `${formatBytes(total)} total${available !== undefined ? `, ${formatBytes(available)} available` : ""}`;
  const fix = "Close memory-hungry programs or add RAM; Synapse idles at 0.6–1.2 GB and needs up to 3.5 GB while catching up after days offline.";
  if (total < 1 * GiB) return fail(`${summary}: too little for Synapse and PostgreSQL.`, fix);
  if (total < 2 * GiB) return warn(`${summary}: tight; catch-ups after a long time offline may swap or be killed.`, fix);
  if (available !== undefined && available < 300 * MiB) return warn(`${summary}: almost nothing is free right now.`, fix);
  return ok(summary);
}

export const memoryCheck = defineCheck({
  id: "memory",
  category: "host",
  title: "Memory",
  needsConfig: false,
  gather: gatherMeminfo,
  judge: judgeMemory,
});
