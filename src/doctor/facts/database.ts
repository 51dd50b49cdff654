import { quadletUnits } from "../../render/quadlet.ts";
import { findPostgresBindir } from "../../runtime/native/binaries.ts";
import { describePostgresCluster, postgresRole, runSql, synapseDatabaseName } from "../../runtime/native/postgres.ts";
import type { FactScope } from "./index.ts";

/**
 * SQL against Synapse's database, whichever runtime runs it: natively through
 * the runtime's own psql call (password via PGPASSWORD), with podman through
 * `podman exec` into the postgres container (local socket).
 */
export type SqlResult = { ok: true; rows: string[][] } | { ok: false; error: string };

export async function querySynapseDatabase(scope: FactScope, sql: string, timeoutMs = 4_000): Promise<SqlResult> {
  const { config, paths, io } = scope;
  const rows = (text: string) => text.split("\n").filter((line) => line !== "").map((line) => line.split("\t"));
  try {
    if (config.runtime.kind === "native") {
      const cluster = describePostgresCluster(paths, config, findPostgresBindir(config));
      return { ok: true, rows: rows(await runSql(cluster, sql)) };
    }
    // Inside the container: the local socket (trusted by the image), named after the port PostgreSQL listens on.
    const argv = ["podman", "exec", quadletUnits.postgres.container, "psql", "--no-psqlrc", "--no-align", "--tuples-only", "--field-separator=\t"];
    const connection = [`--port=${config.network.postgres_port}`, `--username=${postgresRole}`, `--dbname=${synapseDatabaseName}`];
    const output = await io.run([...argv, ...connection, "--command", sql], { timeoutMs });
    if (!output) return { ok: false, error: "podman is not installed" };
    if (output.exitCode !== 0) return { ok: false, error: (output.stderr.trim() || `exit ${output.exitCode}`).split("\n")[0]! };
    return { ok: true, rows: rows(output.stdout.trimEnd()) };
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
