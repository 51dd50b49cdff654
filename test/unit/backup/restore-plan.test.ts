import { describe, expect, test } from "bun:test";
import type { BackupManifest, ManifestMember } from "../../../src/backup/manifest.ts";
import {
  describeRestoreStep,
  planRestore,
  refuseExistingServer,
  refuseTakenPorts,
  type RestoreStep,
  type RestoreTarget,
} from "../../../src/backup/restore-plan.ts";

const member = (path: string, size = 1000): ManifestMember => ({ path, size, sha256: "a".repeat(64), mode: 0o600 });
const manifest = (options: { media?: number; database?: boolean; state?: boolean } = {}): BackupManifest => ({
  format: "mxhome-backup",
  formatVersion: 1,
  createdAt: "2026-09-01T03:00:00.000Z",
  serverName: "pc.tail1234.ts.net",
  runtime: "native",
  includes: { database: options.database ?? true, media: (options.media ?? 0) > 0 },
  versions: { mxhome: "0.1.0", synapse: "1.163.2", postgres: "15.14 (Debian 15.14-0+deb12u1)" },
  members: [
    ...(options.database === false ? [] : [member("database/synapse.pgdump", 5_000_000)]),
    member("config/mxhome.toml"),
    member("config/homeserver.overrides.yaml"),
    ...["signing.key", "macaroon_secret_key", "form_secret", "registration_shared_secret", "postgres_password"].map((s) => member(`secrets/${s}`)),
    ...(options.state === false ? [] : [member("state/credentials/service.json"), member("state/credentials/bot.json")]),
    ...Array.from({ length: options.media ?? 0 }, (_, i) => member(`media/local_content/aa/bb/${i}`, 2000)),
  ],
});

const empty: RestoreTarget = { configExists: false, signingKeyExists: false, clusterPresent: false, postgresPasswordExists: false, running: [] };
const running: RestoreTarget = { configExists: true, signingKeyExists: true, clusterPresent: true, postgresPasswordExists: true, running: ["postgres", "synapse", "caddy"] };
const kinds = (steps: RestoreStep[]) => steps.map((step) => step.kind);

describe("refusing to replace a server", () => {
  test.each([
    ["an empty HOME", empty, false, undefined],
    ["a running server", running, false, "running: postgres, synapse, caddy; mxhome.toml; a signing key; a database"],
    ["only a leftover mxhome.toml", { ...empty, configExists: true }, false, "mxhome.toml"],
    ["only a signing key", { ...empty, signingKeyExists: true }, false, "a signing key"],
    ["only a database", { ...empty, clusterPresent: true }, false, "a database"],
    ["a running server, with --force", running, true, undefined],
  ] as const)("%s", (_name, target, force, found) => {
    const error = refuseExistingServer(target, force, "/b/a.tar");
    if (found === undefined) return expect(error).toBeUndefined();
    expect(error?.message).toContain(`(${found})`);
    expect(error?.exitCode).toBe(2);
    expect(error?.hint).toBe("mxhome restore /b/a.tar --force   # replaces it, after taking a backup of it");
  });

  test("ports another program holds name the flags that move them", () => {
    expect(refuseTakenPorts([], "/a.tar")).toBeUndefined();
    const error = refuseTakenPorts([{ setting: "synapse_port", port: 8008 }, { setting: "postgres_port", port: 5433 }], "/a.tar");
    expect(error?.message).toContain("8008 (network.synapse_port), 5433 (network.postgres_port)");
    expect(error?.hint).toBe("mxhome restore /a.tar --synapse-port <free port> --postgres-port <free port>   # or stop that program");
  });
});

describe("the plan", () => {
  test.each([
    ["onto an empty HOME", manifest({ media: 3 }), empty, ["write-config", "write-secrets", "write-state", "start-database", "load-database", "restore-media", "up"]],
    ["without media", manifest(), empty, ["write-config", "write-secrets", "write-state", "start-database", "load-database", "up"]],
    ["without state files", manifest({ state: false }), empty, ["write-config", "write-secrets", "start-database", "load-database", "up"]],
    ["over a running server (--force)", manifest({ media: 1 }), running, ["safety-backup", "stop", "write-config", "write-secrets", "write-state", "start-database", "load-database", "restore-media", "up"]],
    ["over a stopped server (--force)", manifest(), { ...running, running: [] }, ["safety-backup", "write-config", "write-secrets", "write-state", "start-database", "load-database", "up"]],
  ] as [string, BackupManifest, RestoreTarget, RestoreStep["kind"][]][])("%s", (_name, archive, target, expected) => {
    expect(kinds(planRestore(archive, target, []).steps)).toEqual(expected);
  });

  test("PostgreSQL is never stopped for a restore, only Synapse and Caddy", () => {
    expect(planRestore(manifest(), running, []).steps.find((s) => s.kind === "stop")).toEqual({ kind: "stop", services: ["synapse", "caddy"] });
  });

  test.each([
    ["an empty HOME", empty, false],
    ["a cluster with its password", running, true],
    ["a cluster whose password file is gone", { ...running, postgresPasswordExists: false }, false],
  ] as const)("the PostgreSQL password is kept for %s: %s", (_name, target, kept) => {
    const plan = planRestore(manifest(), target, []);
    expect(plan.keepPostgresPassword).toBe(kept);
    expect(plan.notes.some((note) => note.includes("keeps its own password"))).toBe(kept);
  });

  test("the safety backup includes the database only when there is one", () => {
    expect(planRestore(manifest(), { ...empty, configExists: true }, []).steps[0]).toEqual({ kind: "safety-backup", includeDatabase: false });
  });

  test("notes: where it came from, missing media, missing database", () => {
    const notes = planRestore(manifest({ database: false }), empty, []).notes;
    expect(notes[0]).toBe("made 2026-09-01T03:00:00.000Z for pc.tail1234.ts.net (native runtime) by mxhome 0.1.0, Synapse 1.163.2");
    expect(notes).toContain("The archive holds no database: Synapse will start on an empty one.");
    expect(notes.some((note) => note.includes("no media"))).toBe(true);
  });

  test("each step reads as a sentence", () => {
    const steps = planRestore(manifest({ media: 2 }), running, [{ setting: "synapse_port", from: 8008, to: 18008 }]).steps.map(describeRestoreStep);
    expect(steps).toEqual([
      "back up the server that is here first (with media), labelled pre-restore",
      "stop synapse and caddy",
      "write mxhome.toml and the Synapse overrides (2 files); synapse_port 8008 → 18008",
      "write the signing key and secrets (5 files, 0600); the PostgreSQL password here is kept",
      "write mxhome's credentials and records (2 files)",
      "start PostgreSQL as `up` would (a new cluster when there is none), Synapse still stopped",
      "recreate Synapse's database (UTF8, collation C) and load the dump (4.8 MB, from PostgreSQL 15.14)",
      "restore 2 media files (3.9 KB)",
      "run `mxhome up`: start Synapse and Caddy, check mxhome's accounts",
    ]);
  });
});
