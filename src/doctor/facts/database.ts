import { findPostgresBindir } from "../../runtime/native/binaries.ts";
import { describePostgresCluster, runSql, synapseDatabaseName } from "../../runtime/native/postgres.ts";
import { podmanPsqlArgv } from "../../runtime/podman/database.ts";
import { parsePsqlRows } from "../../runtime/sql.ts";
import type { FactScope } from "./index.ts";

/**
 * SQL against Synapse's database, whichever runtime runs it: natively through
 * the runtime's own psql call (password via PGPASSWORD), with podman through
 * `podman exec` into the postgres container (local socket).
 */
export type SqlResult = { ok: true; rows: string[][] } | { ok: false; error: string };

export async function querySynapseDatabase(scope: FactScope, sql: string, timeoutMs = 4_000): Promise<SqlResult> {
  const { config, paths, io } = scope;
  try {
    if (config.runtime.kind === "native") {
      const cluster = describePostgresCluster(paths, config, findPostgresBindir(config, paths.postgresDir));
      return { ok: true, rows: parsePsqlRows(await runSql(cluster, sql)) };
    }
    const output = await io.run(podmanPsqlArgv(config.network.postgres_port, synapseDatabaseName, ["--command", sql]), { timeoutMs });
    if (!output) return { ok: false, error: "podman is not installed" };
    if (output.exitCode !== 0) return { ok: false, error: (output.stderr.trim() || `exit ${output.exitCode}`).split("\n")[0]! };
    return { ok: true, rows: parsePsqlRows(output.stdout.trimEnd()) };
  } catch (error) {
    const lines = (error as Error).message.split("\n").filter(Boolean);
    return { ok: false, error: lines.slice(1).find((line) => /error|fatal|could not/i.test(line)) ?? lines[0] ?? "query failed" };
  }
}

export interface DatabaseObservation {
  reachable: boolean;
  error?: string;
  collate?: string;
  ctype?: string;
  encoding?: string;
  sizeBytes?: number;
  serverVersion?: string;
}

export async function gatherDatabase(scope: FactScope): Promise<DatabaseObservation> {
  const result = await querySynapseDatabase(
    scope,
    "SELECT datcollate, datctype, pg_encoding_to_char(encoding), pg_database_size(datname), current_setting('server_version') FROM pg_database WHERE datname = current_database()",
  );
  if (!result.ok) return { reachable: false, error: result.error };
  const [collate, ctype, encoding, size, serverVersion] = result.rows[0] ?? [];
  return { reachable: true, collate, ctype, encoding, sizeBytes: size ? Number(size) : undefined, serverVersion };
}
