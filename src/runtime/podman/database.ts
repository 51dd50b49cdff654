import { quadletUnits } from "../../render/quadlet.ts";
import { runDatabaseTool, type SynapseDatabase } from "../database.ts";
import { createSynapseDatabaseSql, postgresRole, synapseDatabaseName } from "../native/postgres.ts";

/**
 * Pure: a PostgreSQL client program run inside the postgres container. It
 * connects over the container's local socket as the image's superuser, so
 * no password is needed (or put on a command line); `-i` passes stdin on.
 */
export function podmanPostgresArgv(program: string, args: string[], options: { stdin?: boolean } = {}): string[] {
  return ["podman", "exec", ...(options.stdin ? ["-i"] : []), quadletUnits.postgres.container, program, `--username=${postgresRole}`, ...args];
}

const psql = (sql: string, database: string) =>
  podmanPostgresArgv("psql", ["--no-psqlrc", "--no-align", "--tuples-only", "--set=ON_ERROR_STOP=1", `--dbname=${database}`, "--command", sql]);

export const podmanDumpArgv = () => podmanPostgresArgv("pg_dump", [`--dbname=${synapseDatabaseName}`, "--format=custom"]);

export const podmanRestoreArgv = () =>
  podmanPostgresArgv("pg_restore", [`--dbname=${synapseDatabaseName}`, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"], { stdin: true });

export function podmanSynapseDatabase(): SynapseDatabase {
  return {
    serverVersion: async () => (await runDatabaseTool(psql("SHOW server_version", "postgres"), "a query")).trim(),
    async dump(file) {
      await runDatabaseTool(podmanDumpArgv(), "pg_dump", { stdoutFile: file });
    },
    async recreate() {
      await runDatabaseTool(psql(`DROP DATABASE IF EXISTS ${synapseDatabaseName} WITH (FORCE)`, "postgres"), "dropping the database");
      await runDatabaseTool(psql(createSynapseDatabaseSql(synapseDatabaseName, postgresRole), "postgres"), "creating the database");
    },
    async restore(file) {
      await runDatabaseTool(podmanRestoreArgv(), "pg_restore", { stdinFile: file });
    },
  };
}
