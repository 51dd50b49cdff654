import { describe, expect, test } from "bun:test";
import { databaseOnlyActions } from "../../../src/runtime/database-only.ts";
import { nativeDumpArgv, nativeRestoreArgv } from "../../../src/runtime/native/database.ts";
import { podmanDumpArgv, podmanPsqlArgv, podmanRestoreArgv } from "../../../src/runtime/podman/database.ts";
import type { Action } from "../../../src/runtime/runtime.ts";

describe("database programs, as argv", () => {
  const cluster = { bindir: "/usr/lib/postgresql/16/bin", port: 5433 };
  const connection = ["--host=127.0.0.1", "--port=5433", "--username=synapse", "--dbname=synapse", "--no-password"];

  test("native: the cluster's own pg_dump and pg_restore over loopback, no password on the command line", () => {
    expect(nativeDumpArgv(cluster)).toEqual(["/usr/lib/postgresql/16/bin/pg_dump", ...connection, "--format=custom"]);
    expect(nativeRestoreArgv(cluster, "/tmp/d")).toEqual([
      "/usr/lib/postgresql/16/bin/pg_restore",
      ...connection,
      "--no-owner",
      "--no-privileges",
      "--exit-on-error",
      "--single-transaction",
      "/tmp/d",
    ]);
  });

  test("podman psql names the socket's port (PostgreSQL listens on 5433, not 5432)", () => {
    expect(podmanPsqlArgv(5433, "synapse").slice(0, 8)).toEqual(["podman", "exec", "-i", "mxhome-postgres", "psql", "--port=5433", "--username=synapse", "--no-psqlrc"]);
    expect(podmanPsqlArgv(5433, "synapse", ["--command", "SELECT 1"])).not.toContain("-i");
  });

  test("podman: inside the postgres container over its socket; pg_restore reads stdin", () => {
    expect(podmanDumpArgv(5433)).toEqual(["podman", "exec", "mxhome-postgres", "pg_dump", "--port=5433", "--username=synapse", "--dbname=synapse", "--format=custom"]);
    expect(podmanRestoreArgv(5433)).toEqual([
      "podman", "exec", "-i", "mxhome-postgres", "pg_restore", "--port=5433", "--username=synapse", "--dbname=synapse",
      "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
    ]);
  });
});

describe("the database-only part of an up plan", () => {
  const all: Action[] = [
    { kind: "write-files", files: [] },
    { kind: "podman-secret", name: "mxhome-postgres-password", mode: "create" },
    { kind: "daemon-reload" },
    { kind: "init-database-cluster" },
    { kind: "start", service: "postgres", reason: "not running" },
    { kind: "create-database" },
    { kind: "start", service: "synapse", reason: "not running" },
    { kind: "restart", service: "caddy", reason: "changed" },
    { kind: "enable-units", units: ["mxhome-purge.timer"], start: true },
    { kind: "funnel-on", target: "http://127.0.0.1:8080" },
  ];

  test("keeps files, secrets, the cluster and PostgreSQL; drops Synapse, Caddy, timers and Funnel", () => {
    expect(databaseOnlyActions(all).map((a) => a.kind)).toEqual(["write-files", "podman-secret", "daemon-reload", "init-database-cluster", "start", "create-database"]);
  });

  test("a PostgreSQL restart (changed port) is kept", () => {
    expect(databaseOnlyActions([{ kind: "restart", service: "postgres", reason: "changed" }])).toHaveLength(1);
  });
});
