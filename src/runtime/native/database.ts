import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { runDatabaseTool, type SynapseDatabase } from "../database-tool.ts";
import { findPostgresBindir } from "./binaries.ts";
import {
  clientEnvironment,
  describePostgresCluster,
  ensureSynapseDatabase,
  type PostgresCluster,
  postgresRole,
  runSql,
  synapseDatabaseName,
} from "./postgres.ts";

/** Pure: connection flags for the cluster's client programs (the password travels in PGPASSWORD). */
export function nativeConnection(cluster: Pick<PostgresCluster, "port">, database = synapseDatabaseName): string[] {
  return ["--host=127.0.0.1", `--port=${cluster.port}`, `--username=${postgresRole}`, `--dbname=${database}`, "--no-password"];
}

/** Pure: the pg_dump (to stdout) and pg_restore command lines. */
export function nativeDumpArgv(cluster: Pick<PostgresCluster, "bindir" | "port">): string[] {
  return [join(cluster.bindir, "pg_dump"), ...nativeConnection(cluster), "--format=custom"];
}

export function nativeRestoreArgv(cluster: Pick<PostgresCluster, "bindir" | "port">, file: string, database = synapseDatabaseName): string[] {
  // No owner or grants from the source: everything belongs to this cluster's synapse role.
  return [join(cluster.bindir, "pg_restore"), ...nativeConnection(cluster, database), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", file];
}

export function nativeSynapseDatabase(paths: Paths, config: Config): SynapseDatabase {
  let cluster: PostgresCluster | undefined;
  const postgres = () => (cluster ??= describePostgresCluster(paths, config, findPostgresBindir(config, paths.postgresDir)));
  return {
    serverVersion: () => runSql(postgres(), "SHOW server_version", "postgres"),
    async dump(file) {
      await runDatabaseTool(nativeDumpArgv(postgres()), "pg_dump", { env: clientEnvironment(postgres()), stdoutFile: file });
    },
    async recreate() {
      await runSql(postgres(), `DROP DATABASE IF EXISTS ${synapseDatabaseName} WITH (FORCE)`, "postgres");
      await ensureSynapseDatabase(postgres());
    },
    async restore(file) {
      await runDatabaseTool(nativeRestoreArgv(postgres(), file), "pg_restore", { env: clientEnvironment(postgres()) });
    },
  };
}
