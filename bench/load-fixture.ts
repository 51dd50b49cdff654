/**
 * bench/load.ts's two homeservers and population, seeded once and reused (as
 * bench/purge.ts does): the pair lives in a directory that outlives the run
 * (test/support/federation.ts `keepIn`), and after seeding both databases are
 * copied to a template (bench/_snapshot.ts). A later run of the same size
 * starts the same pair and puts both databases back, which takes seconds
 * instead of the minutes 600 accounts and their joins take. Another size
 * starts over in a clean directory. No directory: a throwaway pair, seeded.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../src/io/fs.ts";
import { type Federation, startFederation } from "../test/support/federation.ts";
import type { TestServerOptions } from "../test/support/server.ts";
import { hasSnapshot, restoreSnapshot, takeSnapshot } from "./_snapshot.ts";
import { type Population, seedPopulation } from "./load-population.ts";

const snapshotName = "bench_load_snapshot";

interface SavedSeed {
  size: string;
  population: Population;
}

export async function openLoadFixture(
  size: { members: number; rooms: number; mode: string },
  seedDir: string | undefined,
  log: (line: string) => void,
  servers: { home?: TestServerOptions } = {},
): Promise<{ federation: Federation; population: Population }> {
  if (!seedDir) {
    const federation = await startFederation(servers);
    return { federation, population: await seedPopulation(federation, size.members, size.rooms, log) };
  }
  const seedFile = join(seedDir, "population.json");
  const wanted = JSON.stringify(size);
  const saved: SavedSeed | undefined = existsSync(seedFile) ? JSON.parse(readFileSync(seedFile, "utf8")) : undefined;
  if (saved?.size !== wanted) rmSync(seedDir, { recursive: true, force: true });

  // The size includes the mode: a pair kept without the workers' replication listener is not reused for them.
  const federation = await startFederation({ ...servers, keepIn: seedDir });
  const both = [federation.home, federation.remote];
  if (saved?.size === wanted && (await Promise.all(both.map((server) => hasSnapshot(server, snapshotName)))).every(Boolean)) {
    log(`reusing the seeded population in ${seedDir} (${wanted})`);
    await Promise.all(both.map((server) => restoreSnapshot(server, snapshotName)));
    return { federation, population: saved.population };
  }
  const population = await seedPopulation(federation, size.members, size.rooms, log);
  await Promise.all(both.map((server) => takeSnapshot(server, snapshotName)));
  // The members' access tokens are in it: a secret file, like mxhome's own.
  writeFileAtomic(seedFile, JSON.stringify({ size: wanted, population } satisfies SavedSeed), 0o600);
  log(`seeded and saved for the next run in ${seedDir}`);
  return { federation, population };
}
