import { closeSync, openSync } from "node:fs";
import { MxError } from "../ui/errors.ts";

/**
 * Synapse's database as a whole, through the runtime that runs PostgreSQL:
 * natively the cluster's own pg_dump/pg_restore/psql over loopback with
 * PGPASSWORD in their environment; with podman the same programs inside
 * the postgres container (`podman exec`, its local socket). Backup and
 * restore use it; PostgreSQL must be running.
 */
export interface SynapseDatabase {
  /** PostgreSQL's `server_version`, e.g. "15.14 (Debian 15.14-0+deb12u1)". */
  serverVersion(): Promise<string>;
  /** A consistent `pg_dump --format=custom` snapshot of Synapse's database, into `file` (created 0600). */
  dump(file: string): Promise<void>;
  /** Drops Synapse's database (closing its connections) and creates it empty: UTF8, collation and ctype C. */
  recreate(): Promise<void>;
  /** Loads a custom-format dump into the fresh database in one transaction; any error rolls it all back. */
  restore(file: string): Promise<void>;
}

export interface FileRedirect {
  /** Feed this file to the program's stdin. */
  stdinFile?: string;
  /** Write the program's stdout to this file (created 0600, truncated). */
  stdoutFile?: string;
  env?: Record<string, string | undefined>;
}

/** Runs a database tool with files as stdin/stdout (dumps can be gigabytes: never through memory). */
export async function runDatabaseTool(argv: string[], what: string, redirect: FileRedirect = {}): Promise<string> {
  const stdin = redirect.stdinFile === undefined ? "ignore" : openSync(redirect.stdinFile, "r");
  const stdout = redirect.stdoutFile === undefined ? "pipe" : openSync(redirect.stdoutFile, "w", 0o600);
  try {
    const child = Bun.spawn(argv, { env: redirect.env ?? process.env, stdin, stdout, stderr: "pipe" });
    const [output, errors, exitCode] = await Promise.all([
      child.stdout instanceof ReadableStream ? new Response(child.stdout).text() : Promise.resolve(""),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    if (exitCode === 0) return output;
    throw new MxError(`PostgreSQL: ${what} failed (exit ${exitCode}).\n${errors.trim().split("\n").slice(-15).join("\n")}`, {
      code: "database.tool-failed",
      hint: "PostgreSQL must be running: `mxhome up` starts it, `mxhome logs postgres` shows why it does not.",
    });
  } finally {
    if (typeof stdin === "number") closeSync(stdin);
    if (typeof stdout === "number") closeSync(stdout);
  }
}
