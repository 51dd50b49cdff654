import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findPostgresBindir } from "../../src/runtime/native/binaries.ts";
import { describePostgresCluster, startPostgres, stopPostgres } from "../../src/runtime/native/postgres.ts";
import { startNativeService, stopNativeService } from "../../src/runtime/native/services.ts";
import { runMxhome } from "../support/binary.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { bytesOf, createRoom, leaveRoom, sendText, upload, waitForLocalMembers } from "../integration/purge/fixtures.ts";

/**
 * The compiled binary's `purge` against a throwaway server (a cut-off of
 * seconds would wipe the shared server's rooms): its output, exit codes and
 * one JSON document. The behaviour itself is in test/integration/purge.
 */
let server: TestServer;
let home = "";
const mxhome = (...args: string[]) => runMxhome(["purge", ...args], { home });

beforeAll(async () => {
  server = await startTestServer();
  home = dirname(dirname(server.paths.configDir));
  const alice = await server.createUser("alice");
  const room = await createRoom(server, alice, "Soon empty");
  for (let i = 0; i < 3; i++) await sendText(server, alice, room, `message ${i}`);
  await upload(server, alice, bytesOf(1500, 2), "file.bin");
  await leaveRoom(server, alice, room);
  await waitForLocalMembers(server, room, 0);
  await Bun.sleep(1_100);
}, 120_000);

afterAll(async () => {
  await server?.stop();
}, 60_000);

describe("mxhome purge (binary)", () => {
  test("--dry-run prints the plan as a table: the dead room a real run would delete, and that the first real run needs a yes", () => {
    const result = mxhome("--dry-run", "--older-than", "1s");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("nothing was changed");
    expect(result.stdout).toMatch(/dead rooms\s+would go\s+1 room \(\d+ events\)/);
    expect(result.stdout).toMatch(/Would delete \(no local user is in them\):\n\s+!\S+ "Soon empty"/);
    expect(result.stdout).toContain("a real run asks before deleting them (on a terminal), or needs `mxhome purge --yes`");
    // Someone running a dry run is not told to run a dry run.
    expect(result.stdout).not.toContain("--dry-run` lists them");
    expect(result.stdout).toMatch(/media\s+would go\s+1 local file \(1\.5 KB\)/);
  });

  test("--json prints one document; progress stays on stderr", () => {
    const result = mxhome("--json", "--yes", "--older-than", "1s");
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ schemaVersion: 1, command: "purge", ok: true, dryRun: false });
    expect(document.steps.deadRooms).toMatchObject({ status: "done", deleted: 1 });
    expect(document.steps.media.local).toEqual({ items: 1, bytes: 1500 });
    expect(result.stderr).toContain("VACUUM");
    expect(result.stdout + result.stderr).not.toMatch(/syt_/);
  });

  test("off a terminal, without NO_COLOR, logs and reports are plain ASCII (no consola icons)", () => {
    // Not a test or CI environment either: consola picks its reporter from those.
    const env = { NO_COLOR: "", FORCE_COLOR: "", NODE_ENV: "production", TEST: "", CI: "" };
    const result = runMxhome(["purge", "--yes", "--older-than", "1s"], { home, env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("[info]");
    expect(result.stderr).toMatch(/^[\x00-\x7f]+$/);
    expect(result.stdout).toMatch(/^[\x00-\x7f]+$/);
    const refused = runMxhome(["init", "--yes", "--max-upload", "20M"], { home, env });
    expect(refused.stderr).toContain('server.max_upload: "10M" -> "20M"');
    expect(refused.stderr).toMatch(/^[\x00-\x7f]+$/);
  });

  test("usage errors exit 2, a held lock exits 4", () => {
    expect(mxhome("--older-than", "soon").exitCode).toBe(2);
    expect(mxhome("--as-of", "2999-01-01T00:00:00Z").exitCode).toBe(2);
    // A lock held by a live process (this test's own pid).
    writeFileSync(join(server.paths.stateDir, "purge.lock"), String(process.pid));
    try {
      const result = mxhome("--yes");
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toContain("Another `mxhome purge` is running");
    } finally {
      Bun.spawnSync(["rm", "-f", join(server.paths.stateDir, "purge.lock")]);
    }
  });

  test("Synapse down: exit 1, a clear message, and no step reported done", async () => {
    await stopNativeService(server.paths, "synapse");
    try {
      const result = mxhome("--json", "--yes");
      expect(result.exitCode).toBe(1);
      const document = JSON.parse(result.stdout);
      expect(document.ok).toBe(false);
      expect(Object.values(document.steps).map((step) => (step as { status: string }).status)).toEqual(["not-run", "not-run", "not-run", "not-run"]);
      expect(result.stderr).toContain(`Could not reach Synapse for GET http://127.0.0.1:${server.config.network.synapse_port}/`);
      expect(result.stderr).not.toContain("Is the computer able to access the url?"); // Bun's own words; the hint says what to do
      expect(result.stderr).toContain("mxhome up");
    } finally {
      await startNativeService(server.paths, server.config, "synapse");
    }
  }, 60_000);

  test("PostgreSQL down: exit 1, and the hint names the fix, not --verbose", async () => {
    const cluster = describePostgresCluster(server.paths, server.config, findPostgresBindir(server.config, server.paths.postgresDir));
    await stopPostgres(cluster);
    try {
      const result = mxhome("--dry-run");
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`PostgreSQL is not reachable on 127.0.0.1:${server.config.network.postgres_port}`);
      expect(result.stderr).toContain("hint: Is the homeserver running? `mxhome up` starts it");
    } finally {
      await startPostgres(cluster);
    }
  }, 60_000);
});
