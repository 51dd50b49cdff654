import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { exec, type ExecResult } from "../../io/exec.ts";
import { ensurePrivateDir, writeFileAtomic } from "../../io/fs.ts";
import { MxError } from "../../ui/errors.ts";
import { registerSecret } from "../../ui/redact.ts";
import { atBackgroundPriority, niceDaemonSession } from "./priority.ts";
import { type DaemonIdentity, logSize, runningPid, tailLog, waitUntilReaped } from "./process.ts";

/**
 * mxhome's own PostgreSQL cluster for the native runtime: in the data dir,
 * on 127.0.0.1 only, with the password kept out of argv (initdb reads it
 * from the secret file, clients get it through PGPASSWORD).
 */
export interface PostgresCluster {
  bindir: string;
  dataDir: string;
  port: number;
  /** Where the unix socket goes, instead of /var/run/postgresql which a user can't write. */
  socketDir: string;
  logFile: string;
  passwordFile: string;
}

/** Synapse's role is the cluster's superuser, so it can also create the database. */
export const postgresRole = "synapse";
export const synapseDatabaseName = "synapse";

export function describePostgresCluster(paths: Paths, config: Config, bindir: string): PostgresCluster {
  return {
    bindir,
    dataDir: paths.postgresDir,
    port: config.network.postgres_port,
    socketDir: paths.nativeRunDir,
    logFile: join(paths.logDir, "postgres.log"),
    passwordFile: paths.secrets.postgresPassword,
  };
}

/** postgres writes its pid to postmaster.pid, and its command line names the data dir. */
export function postgresDaemon(dataDir: string): DaemonIdentity {
  return { pidFile: join(dataDir, "postmaster.pid"), identity: dataDir };
}

export function clusterExists(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION"));
}

const settingsFileName = "mxhome.conf";

/** Pure: the settings mxhome owns, included from postgresql.conf. */
export function renderPostgresSettings(cluster: Pick<PostgresCluster, "port" | "socketDir">): string {
  const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
  return [
    "# Written by `mxhome up` before PostgreSQL starts; edits here are replaced.",
    "# Loopback only: Synapse is the one client, on this machine.",
    `listen_addresses = ${quote("127.0.0.1")}`,
    `port = ${cluster.port}`,
    `unix_socket_directories = ${quote(cluster.socketDir)}`,
    "",
  ].join("\n");
}

function postgresFailure(result: ExecResult, what: string, logFile?: string): MxError {
  const output = [result.stderr.trim(), logFile ? tailLog(logFile, 15) : ""].filter(Boolean).join("\n");
  return new MxError(`PostgreSQL: ${what} failed (exit ${result.exitCode}).\n${output}`, {
    code: "native.postgres-failed",
    hint: logFile ? `See the full log: ${logFile}` : "Run again with --verbose for details.",
  });
}

async function runOrFail(argv: string[], what: string, options: Parameters<typeof exec>[1], logFile?: string): Promise<ExecResult> {
  const result = await exec(argv, options);
  if (result.exitCode === 0) return result;
  throw postgresFailure(result, what, logFile);
}

/** psql's words when no server answers (libpq: "connection to server at … failed: Connection refused"), as opposed to a failed statement. */
const serverUnreachable = /connection to server .* failed|could not connect to server/;

export async function initPostgresCluster(cluster: PostgresCluster): Promise<void> {
  ensurePrivateDir(cluster.dataDir);
  await runOrFail(
    [
      join(cluster.bindir, "initdb"),
      `--pgdata=${cluster.dataDir}`,
      // Synapse refuses a database whose collation or ctype is not C.
      "--locale=C",
      "--encoding=UTF8",
      "--auth=scram-sha-256",
      `--username=${postgresRole}`,
      `--pwfile=${cluster.passwordFile}`,
    ],
    "initdb",
    { env: { ...process.env, LC_ALL: "C" } },
  );
  appendFileSync(join(cluster.dataDir, "postgresql.conf"), `\n# mxhome's own settings\ninclude_if_exists = '${settingsFileName}'\n`);
}

export async function startPostgres(cluster: PostgresCluster): Promise<void> {
  mkdirSync(cluster.socketDir, { recursive: true, mode: 0o700 });
  mkdirSync(join(cluster.logFile, ".."), { recursive: true });
  writeFileAtomic(join(cluster.dataDir, settingsFileName), renderPostgresSettings(cluster), 0o600);
  await waitUntilReaped(postgresDaemon(cluster.dataDir).pidFile);
  const logStart = logSize(cluster.logFile);
  // The postmaster and every backend inherit pg_ctl's niceness and IO priority.
  const pgCtl = atBackgroundPriority([join(cluster.bindir, "pg_ctl"), "start", `--pgdata=${cluster.dataDir}`, `--log=${cluster.logFile}`]);
  const result = await exec([...pgCtl, "--wait", "--timeout=60", "--silent"], {});
  if (result.exitCode === 0) {
    // pg_ctl starts the postmaster in a session of its own (setsid), which needs the niceness too.
    const postmaster = runningPid(postgresDaemon(cluster.dataDir));
    if (postmaster !== undefined) niceDaemonSession(postmaster);
    return;
  }
  throw new MxError(`PostgreSQL did not start.\n${tailLog(cluster.logFile, 15, logStart) || result.stderr.trim()}`, {
    code: "native.postgres-start-failed",
    hint: `If the port is taken, set network.postgres_port in mxhome.toml to a free one. Full log: ${cluster.logFile}`,
  });
}

export async function stopPostgres(cluster: Pick<PostgresCluster, "bindir" | "dataDir">): Promise<boolean> {
  if (runningPid(postgresDaemon(cluster.dataDir)) === undefined) return false;
  // "fast" disconnects Synapse and shuts down cleanly; "smart" would wait for it forever.
  await runOrFail([join(cluster.bindir, "pg_ctl"), "stop", `--pgdata=${cluster.dataDir}`, "--mode=fast", "--wait", "--silent"], "pg_ctl stop", {});
  return true;
}

export function clientEnvironment(cluster: PostgresCluster): Record<string, string | undefined> {
  // The same file initdb read the password from; trimmed like src/secrets/store.ts reads it.
  const password = readFileSync(cluster.passwordFile, "utf8").trim();
  registerSecret(password);
  return { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" };
}

/** Runs SQL through psql over loopback; rows come back tab-separated, one per line. */
export async function runSql(cluster: PostgresCluster, sql: string, database = synapseDatabaseName): Promise<string> {
  const argv = [join(cluster.bindir, "psql"), "--no-psqlrc", "--no-align", "--tuples-only", "--quiet", "--field-separator=\t"];
  const connection = ["--host=127.0.0.1", `--port=${cluster.port}`, `--username=${postgresRole}`, `--dbname=${database}`];
  const result = await exec([...argv, ...connection, "--set=ON_ERROR_STOP=1"], { env: clientEnvironment(cluster), stdin: sql });
  if (result.exitCode === 0) return result.stdout.trimEnd();
  if (!serverUnreachable.test(result.stderr)) throw postgresFailure(result, "a query");
  throw new MxError(`PostgreSQL is not reachable on 127.0.0.1:${cluster.port}.\n${result.stderr.trim()}`, {
    code: "native.postgres-unreachable",
    hint: "Is the homeserver running? `mxhome up` starts it; `mxhome logs postgres` shows why it stopped.",
  });
}

/** The statement that creates Synapse's database as Synapse insists on it: UTF8, collation and ctype C. */
export const createSynapseDatabaseSql = (name: string, owner: string) =>
  `CREATE DATABASE ${name} OWNER ${owner} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`;

/** Creates Synapse's database once, with the C collation Synapse insists on. */
export async function ensureSynapseDatabase(cluster: PostgresCluster): Promise<"created" | "present"> {
  const present = await runSql(cluster, `SELECT 1 FROM pg_database WHERE datname = '${synapseDatabaseName}'`, "postgres");
  if (present === "1") return "present";
  await runSql(cluster, createSynapseDatabaseSql(synapseDatabaseName, postgresRole), "postgres");
  return "created";
}
