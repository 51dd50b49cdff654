import type { Config } from "../../config/schema.ts";
import { quadletUnits } from "../../render/quadlet.ts";
import { runDatabaseTool, type SynapseDatabase } from "../database-tool.ts";
import { createSynapseDatabaseSql, postgresRole, synapseDatabaseName } from "../native/postgres.ts";

/**
 * Pure: a PostgreSQL client program run inside the postgres container. It
 * connects over the container's local socket as the image's superuser, so
 * no password is needed (or put on a command line); `-i` passes stdin on.
 * The socket is named after the port PostgreSQL listens on (not 5432), so
 * every client names it.
 */
export function podmanPostgresArgv(port: number, program: string, args: string[], options: { stdin?: boolean } = {}): string[] {
  const connection = [`--port=${port}`, `--username=${postgresRole}`];
  return ["podman", "exec", ...(options.stdin ? ["-i"] : []), quadletUnits.postgres.container, program, ...connection, ...args];
}

/**
 * psql with unaligned, tuples-only output (parsePsqlRows in ../sql.ts reads it); ON_ERROR_STOP makes
 * errors fail it. Without `--command` in `extra` the SQL comes on stdin (VACUUM refuses a transaction).
 */
export const podmanPsqlArgv = (port: number, database: string, extra: string[] = []) =>
  podmanPostgresArgv(port, "psql", ["--no-psqlrc", "--no-align", "--tuples-only", "--quiet", "--field-separator=\t", "--set=ON_ERROR_STOP=1", `--dbname=${database}`, ...extra], {
    stdin: extra.length === 0,
  });

const psql = (port: number, sql: string, database: string) => podmanPsqlArgv(port, database, ["--command", sql]);

export const podmanDumpArgv = (port: number) => podmanPostgresArgv(port, "pg_dump", [`--dbname=${synapseDatabaseName}`, "--format=custom"]);

export const podmanRestoreArgv = (port: number) =>
  podmanPostgresArgv(port, "pg_restore", [`--dbname=${synapseDatabaseName}`, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"], {
    stdin: true,
  });

export function podmanSynapseDatabase(config: Config): SynapseDatabase {
  const port = config.network.postgres_port;
  return {
    serverVersion: async () => (await runDatabaseTool(psql(port, "SHOW server_version", "postgres"), "a query")).trim(),
    async dump(file) {
      await runDatabaseTool(podmanDumpArgv(port), "pg_dump", { stdoutFile: file });
    },
    async recreate() {
      await runDatabaseTool(psql(port, `DROP DATABASE IF EXISTS ${synapseDatabaseName} WITH (FORCE)`, "postgres"), "dropping the database");
      await runDatabaseTool(psql(port, createSynapseDatabaseSql(synapseDatabaseName, postgresRole), "postgres"), "creating the database");
    },
    async restore(file) {
      await runDatabaseTool(podmanRestoreArgv(port), "pg_restore", { stdinFile: file });
    },
  };
}
