import { dirname } from "node:path";
import type { FactScope } from "../../facts/index.ts";
import { formatBytes } from "../../format-units.ts";
import { defineCheck, fail, info, ok, type Verdict, warn } from "../../types.ts";

export interface DiskObservation {
  path: string;
  space: { availableBytes: number; totalBytes: number } | undefined;
}

/** The data dir, or its nearest existing parent before the first `up`. */
export function gatherDisk({ io, paths }: FactScope): DiskObservation {
  let path = paths.dataDir;
  while (!io.stat(path) && dirname(path) !== path) path = dirname(path);
  return { path, space: io.diskSpace(path) };
}

const GiB = 1024 ** 3;

export function judgeDisk(observation: DiskObservation): Verdict {
  const { space, path } = observation;
  if (!space) return info(`cannot read the free space of ${path}.`);
  const summary = `${formatBytes(space.availableBytes)} free of ${formatBytes(space.totalBytes)} on ${path}`;
  const fix = "Free space on that file system (`mxhome purge` removes old history and media and reclaims database space), or move XDG_DATA_HOME to a larger disk.";
  if (space.availableBytes < 1 * GiB) return fail(`${summary}: PostgreSQL stops accepting writes when the disk fills up.`, fix);
  if (space.availableBytes < 5 * GiB) return warn(`${summary}: a busy server grows by gigabytes between purges.`, fix);
  return ok(summary);
}

export const diskCheck = defineCheck({
  id: "disk",
  category: "host",
  title: "Disk space in the data dir",
  needsConfig: false,
  gather: gatherDisk,
  judge: judgeDisk,
});
