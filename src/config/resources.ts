import { stringField } from "./fields.ts";

/**
 * [resources]: how much of the PC the homeserver may take. Self-contained so
 * the schema only lists it; `init` fills memory_high from the machine's RAM,
 * rendering reads only this value (so golden files never depend on the host).
 */
export interface ResourcesConfig {
  memory_high: string;
}

/** systemd.resource-control(5) MemoryHigh=: bytes with an optional K/M/G/T suffix (base 1024), or "infinity". */
export function checkMemoryHigh(value: string): string | undefined {
  return /^(\d+[KMGT]?|infinity)$/.test(value) && !/^0+[KMGT]?$/.test(value) ? undefined : 'use a size like 2G or 1536M, or "infinity"';
}

/** The ceiling a config without the key gets: what `init` picks on an 8 GB PC. */
export const fallbackMemoryHigh = "2G";

const MiB = 1024 ** 2;

/**
 * Pure: Synapse's memory ceiling for a machine with this much RAM. A quarter
 * of it leaves the rest to the desktop; at least 1 GiB (Synapse idles near
 * 150 MB but a catch-up after days offline needs far more, and MemoryHigh
 * throttles rather than kills), at most 4 GiB (the guide's worst catch-up,
 * 3.5 GB). Rounded down to 256 MiB so the value reads well in mxhome.toml.
 */
export function memoryHighForRam(totalBytes: number): string {
  const quarterMiB = Math.floor(totalBytes / 4 / MiB / 256) * 256;
  const mib = Math.min(4096, Math.max(1024, quarterMiB));
  return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

export const resourcesSpec = {
  memory_high: stringField(
    "Podman runtime: memory above which the kernel reclaims Synapse's caches instead of your desktop's memory (a throttle, not a kill). `init` sets a quarter of the RAM, 1G-4G.",
    { default: fallbackMemoryHigh, allowed: 'a size like 2G or 1536M, or "infinity"', check: checkMemoryHigh },
  ),
};
