import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  clusterExists,
  ensureSynapseDatabase,
  initPostgresCluster,
  postgresDaemon,
  type PostgresCluster,
  runSql,
  startPostgres,
  stopPostgres,
} from "../../../src/runtime/native/postgres.ts";
import { runningPid } from "../../../src/runtime/native/process.ts";
import { components } from "../../support/components.ts";
import { freePort } from "../../support/ports.ts";

const root = mkdtempSync(join(tmpdir(), "mxhome-pg-"));
const passwordFile = join(root, "postgres_password");
writeFileSync(passwordFile, "a-long-test-password-0123\n", { mode: 0o600 });
const cluster: PostgresCluster = {
  bindir: components.postgresBindir,
  dataDir: join(root, "postgres"),
  port: await freePort(),
  socketDir: join(root, "run"),
  logFile: join(root, "logs", "postgres.log"),
  passwordFile,
};

afterAll(async () => {
  await stopPostgres(cluster);
  rmSync(root, { recursive: true, force: true });
}, 30_000);

describe("native PostgreSQL cluster", () => {
  test("initdb, start, database with C collation, stop", async () => {
    expect(clusterExists(cluster.dataDir)).toBe(false);
    await initPostgresCluster(cluster);
    expect(clusterExists(cluster.dataDir)).toBe(true);
    await startPostgres(cluster);
    expect(runningPid(postgresDaemon(cluster.dataDir))).toBeNumber();
    expect(await ensureSynapseDatabase(cluster)).toBe("created");
    expect(await ensureSynapseDatabase(cluster)).toBe("present");
    const row = await runSql(cluster, "SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'synapse'");
    expect(row).toBe("C\tC\tUTF8");
    expect(await runSql(cluster, "SHOW listen_addresses")).toBe("127.0.0.1");
    expect(await stopPostgres(cluster)).toBe(true);
    expect(runningPid(postgresDaemon(cluster.dataDir))).toBeUndefined();
  }, 60_000);
});
