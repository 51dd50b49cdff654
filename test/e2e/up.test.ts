import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolvePaths } from "../../src/config/paths.ts";
import { components } from "../support/components.ts";
import { freshHome, mxhomeBinary, runMxhome } from "../support/binary.ts";
import { matrixRequest } from "../support/matrix-request.ts";
import { freePort } from "../support/ports.ts";
import { renderTestOverrides } from "../support/server-setup.ts";

/**
 * The native end-to-end list, with the compiled binary as the test
 * user: init → up (installing mxhome's own Synapse, as the README's quick
 * start does) → healthy behind Caddy → admin logs in → service token on the
 * admin API → no-op up → max_upload live → down leaves nothing running → up
 * keeps the admin and a room. Synapse's wheels come from the wheelhouse
 * provisioning filled (PIP_NO_INDEX), never from PyPI.
 */
const home = freshHome();
const paths = resolvePaths({ HOME: home });
const password = "e2e-admin-password-1";
const passwordFile = join(home, "admin-password");
let publicUrl = "";
let synapseUrl = "";
const offlinePip = { PIP_NO_INDEX: "1", PIP_FIND_LINKS: components.synapseWheels, PIP_CONFIG_FILE: "/dev/null" };
const mxhome = (...args: string[]) => runMxhome(args, { home, env: offlinePip });

const client = <T>(method: string, path: string, body?: object, token?: string) => matrixRequest<T>(publicUrl, method, path, body, token);
const login = () =>
  client<{ access_token: string }>("POST", "/_matrix/client/v3/login", {
    type: "m.login.password",
    identifier: { type: "m.id.user", user: "admin" },
    password,
  }).then((session) => session.access_token);

/** Live processes whose command line mentions this HOME (zombies have an empty one). */
function processesOfThisServer(): string[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        return "";
      }
    })
    .filter((cmdline) => cmdline.includes(home) && !cmdline.startsWith("sh -c"));
}

beforeAll(async () => {
  mxhomeBinary(); // build once, outside any test's time
  const [synapsePort, caddyPort, postgresPort] = [await freePort(), await freePort(), await freePort()];
  publicUrl = `http://127.0.0.1:${caddyPort}`;
  synapseUrl = `http://127.0.0.1:${synapsePort}`;
  mkdirSync(paths.configDir, { recursive: true });
  writeFileSync(paths.synapseOverridesFile, renderTestOverrides());
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const init = mxhome("init", "--yes", "--server-name", "e2e.test", "--runtime", "native", "--synapse-port", `${synapsePort}`, "--caddy-port", `${caddyPort}`, "--postgres-port", `${postgresPort}`);
  expect(init.exitCode).toBe(0);
  const toml = readFileSync(paths.configFile, "utf8")
    .replace(/^caddy = "caddy"$/m, `caddy = ${JSON.stringify(components.caddy)}`)
    .replace(/^postgres_bindir = ""$/m, `postgres_bindir = ${JSON.stringify(components.postgresBindir)}`);
  writeFileSync(paths.configFile, toml);
}, 120_000);
afterAll(() => {
  mxhome("down");
  // A PostgreSQL cluster is tens of MB; don't leave one per run in /tmp.
  rmSync(home, { recursive: true, force: true });
}, 60_000);

describe("mxhome up / down / logs (compiled binary, native runtime)", () => {
  test("--dry-run --json prints the first plan and changes nothing", () => {
    const dry = mxhome("up", "--dry-run", "--json");
    expect(dry.exitCode).toBe(0);
    const report = JSON.parse(dry.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.plan.actions.map((a: { kind: string }) => a.kind)).toEqual(["install-synapse", "init-database-cluster", "start", "create-database", "start", "start"]);
    expect(readdirSync(paths.dataDir)).not.toContain("postgres");
    expect(readdirSync(paths.dataDir)).not.toContain("synapse-venv");
  }, 30_000);

  test("up: installs Synapse, healthy behind Caddy, the admin logs in, the service token works on the admin API", async () => {
    const up = mxhome("up", "--password-file", passwordFile);
    expect(up.stderr).toContain("install Synapse");
    expect(up.stderr + up.stdout).not.toContain(password);
    expect(up.exitCode).toBe(0);
    expect((await fetch(`${publicUrl}/_matrix/client/versions`)).status).toBe(200);
    expect((await fetch(`${publicUrl}/_synapse/admin/v1/server_version`)).status).toBe(404);
    expect(await login()).toStartWith("syt_");
    const service = JSON.parse(readFileSync(join(paths.credentialsDir, "service.json"), "utf8"));
    const admin = await fetch(`${synapseUrl}/_synapse/admin/v1/users/${encodeURIComponent("@admin:e2e.test")}/admin`, {
      headers: { Authorization: `Bearer ${service.accessToken}` },
    });
    expect(await admin.json()).toEqual({ admin: true });
  }, 600_000); // the Synapse install: tens of seconds on a busy machine

  test("a second up is a no-op and says so", () => {
    const again = mxhome("up");
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("Nothing changed");
    expect(JSON.parse(mxhome("up", "--json").stdout).changed).toBe(false);
  }, 30_000);

  test("a changed max_upload is live after up", async () => {
    const toml = readFileSync(paths.configFile, "utf8").replace(/^max_upload = .*$/m, 'max_upload = "3M"');
    writeFileSync(paths.configFile, toml);
    const up = mxhome("up");
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toContain("restart synapse");
    expect(up.stdout).not.toContain("restart caddy");
    const config = await client<Record<string, number>>("GET", "/_matrix/client/v1/media/config", undefined, await login());
    expect(config["m.upload.size"]).toBe(3 * 1024 * 1024);
  }, 60_000);

  test("logs shows each service's log", () => {
    const logs = mxhome("logs", "synapse", "-n", "5");
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout.trim().split("\n").length).toBeGreaterThan(0);
    expect(mxhome("logs", "nginx").exitCode).toBe(2);
  }, 30_000);

  test("down leaves nothing running; up brings back the admin and an earlier room", async () => {
    const token = await login();
    const { room_id } = await client<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", { name: "before down" }, token);
    const down = mxhome("down");
    expect(down.exitCode).toBe(0);
    expect(processesOfThisServer()).toEqual([]);
    expect(mxhome("up").exitCode).toBe(0);
    const rooms = await client<{ joined_rooms: string[] }>("GET", "/_matrix/client/v3/joined_rooms", undefined, await login());
    expect(rooms.joined_rooms).toContain(room_id);
  }, 120_000);
});
