import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { exec } from "../io/exec.ts";
import { quadletUnits } from "../render/quadlet.ts";
import { MxError } from "../ui/errors.ts";
import { findPostgresBindir } from "./native/binaries.ts";
import { describePostgresCluster, runSql, synapseDatabaseName } from "./native/postgres.ts";
import { podmanPsqlArgv } from "./podman/database.ts";

/**
 * SQL against Synapse's database through whichever runtime runs it: natively
 * the cluster's own psql over loopback (password via PGPASSWORD), with podman
 * `podman exec -i mxhome-postgres psql` (the container's local socket). The
 * SQL goes through stdin, so statements like VACUUM, which refuse to run in a
 * transaction block, work too. No timeout: a VACUUM takes as long as it takes.
 */
export type SqlRows = string[][];
export type SynapseSql = (sql: string) => Promise<SqlRows>;

/** psql's unaligned, tuples-only output: one row per line, fields tab-separated. */
export function parsePsqlRows(text: string): SqlRows {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"));
}

async function podmanPsql(port: number, sql: string): Promise<string> {
  const argv = podmanPsqlArgv(port, synapseDatabaseName);
  const result = await exec(argv, { stdin: sql }).catch((error: Error) => ({ exitCode: 127, stdout: "", stderr: error.message }));
  if (result.exitCode === 0) return result.stdout.trimEnd();
  throw new MxError(`PostgreSQL (podman exec ${quadletUnits.postgres.container}): a query failed (exit ${result.exitCode}).\n${result.stderr.trim()}`, {
    code: "podman.postgres-query-failed",
    hint: "Is the database running? `mxhome status` shows it; `mxhome up` starts it.",
  });
}

export function synapseSql(paths: Paths, config: Config): SynapseSql {
  if (config.runtime.kind === "podman") return async (sql) => parsePsqlRows(await podmanPsql(config.network.postgres_port, sql));
  const cluster = describePostgresCluster(paths, config, findPostgresBindir(config, paths.postgresDir));
  return async (sql) => parsePsqlRows(await runSql(cluster, sql));
}

/** A string as an SQL literal ('it''s'), for the few values mxhome puts into queries. */
export function sqlLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("NUL in an SQL literal");
  return `'${value.replaceAll("'", "''")}'`;
}
