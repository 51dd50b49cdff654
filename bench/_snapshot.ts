/**
 * Database snapshots for benchmarks that seed once and reuse the seed
 * (bench/purge-seed.ts, bench/load-fixture.ts): a PostgreSQL template copy of
 * Synapse's database, taken and put back with Synapse stopped, because
 * CREATE DATABASE … TEMPLATE needs the source database to have no sessions.
 */
import type { Config } from "../src/config/schema.ts";
import type { Paths } from "../src/config/paths.ts";
import { scaleProcessesOnDisk, stopScaleProcess } from "../src/runtime/native/scale.ts";
import { startNativeService, stopNativeService } from "../src/runtime/native/services.ts";

/** What both bench servers (purge-server.ts's and the test servers) offer. */
export interface SnapshotServer {
  paths: Paths;
  config: Config;
  sql(query: string, database?: string): Promise<string>;
}

/** Synapse's workers hold sessions too; they stay stopped (bench/load-modes.ts starts the ones a contender wants). */
async function withSynapseStopped(server: SnapshotServer, work: () => Promise<void> | void): Promise<void> {
  for (const name of scaleProcessesOnDisk(server.paths).filter((name) => name !== "redis")) await stopScaleProcess(server.paths, name);
  await stopNativeService(server.paths, "synapse");
  try {
    await work();
  } finally {
    await startNativeService(server.paths, server.config, "synapse");
  }
}

export async function hasSnapshot(server: SnapshotServer, name: string): Promise<boolean> {
  return (await server.sql(`SELECT count(*) FROM pg_database WHERE datname = '${name}'`, "postgres")) === "1";
}

/** Copies Synapse's database to `name`, replacing an older copy; `alongside` copies files meanwhile. */
export async function takeSnapshot(server: SnapshotServer, name: string, alongside?: () => void): Promise<void> {
  await withSynapseStopped(server, async () => {
    await server.sql(`DROP DATABASE IF EXISTS ${name}`, "postgres");
    await server.sql(`CREATE DATABASE ${name} TEMPLATE synapse`, "postgres");
    alongside?.();
  });
}

/** Puts Synapse's database back to the copy `name`; `alongside` puts files back meanwhile. */
export async function restoreSnapshot(server: SnapshotServer, name: string, alongside?: () => void): Promise<void> {
  await withSynapseStopped(server, async () => {
    await server.sql("DROP DATABASE synapse", "postgres");
    await server.sql(`CREATE DATABASE synapse TEMPLATE ${name}`, "postgres");
    alongside?.();
  });
}
