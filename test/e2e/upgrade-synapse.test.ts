import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../scripts/build.ts";
import { loadConfig } from "../../src/config/load.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { lockedSynapseVersion, pinnedSynapseVersion } from "../../src/runtime/native/synapse-lock.ts";
import { readSynapseRecord } from "../../src/runtime/native/synapse-source.ts";
import { managedVenvDir } from "../../src/runtime/native/synapse-venv.ts";
import { acquireLock } from "../../src/state/lock.ts";
import { MxError } from "../../src/ui/errors.ts";
import { runDeploymentUpgrade } from "../../src/upgrade/deployment.ts";
import { freshHome, mxhomeBinary, runMxhome } from "../support/binary.ts";
import { components } from "../support/components.ts";
import { matrixRequest } from "../support/matrix-request.ts";
import { freePort } from "../support/ports.ts";
import { renderTestOverrides, startWatchdog } from "../support/server-setup.ts";

/**
 * `mxhome upgrade`, native, a Synapse bump: an mxhome compiled with an older
 * lock (scripts/build.ts --synapse-lock test/fixtures/synapse/older.lock)
 * deploys Synapse 1.162.0 with a room, messages and media; this mxhome moves
 * it to its pin. First a deliberately broken new venv must roll back, then
 * the real upgrade must keep the data, the signing key and the logins.
 * Every wheel comes from the wheelhouses provisioning filled, never PyPI.
 */
const olderLock = readFileSync(join(import.meta.dir, "..", "fixtures", "synapse", "older.lock"), "utf8");
const olderVersion = lockedSynapseVersion(olderLock);
const home = freshHome();
const paths = resolvePaths({ HOME: home });
const password = "upgrade-admin-password-1";
const offlinePip = { PIP_NO_INDEX: "1", PIP_FIND_LINKS: components.synapseWheelsOlder, PIP_CONFIG_FILE: "/dev/null" };
let older = "";
let synapseUrl = "";
let token = "";
let roomId = "";
let mediaId = "";
let signingKey = "";
const messages = ["before the upgrade 1", "before the upgrade 2", "before the upgrade 3"];

const run = (binary: string, ...args: string[]) => runMxhome(args, { home, env: offlinePip, binary });

const client = <T>(method: string, path: string, body?: object, bearer = token) => matrixRequest<T>(synapseUrl, method, path, body, bearer);
const serverVersion = () => client<{ server_version: string }>("GET", "/_synapse/admin/v1/server_version").then((answer) => answer.server_version);
const archives = (label: string) => readdirSync(join(paths.dataDir, "backups")).filter((file) => file.includes(`-${label}.tar`));

/** The room's text messages, oldest first, as a user who was logged in before the upgrade sees them. */
async function roomMessages(bearer = token): Promise<string[]> {
  const page = await client<{ chunk: { type: string; content: { body?: string } }[] }>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=f&limit=100`, undefined, bearer);
  return page.chunk.filter((event) => event.type === "m.room.message").map((event) => event.content.body ?? "");
}

/** Everything that must survive, checked after each attempt. */
async function expectDataKept(): Promise<void> {
  expect(await roomMessages()).toEqual(messages);
  const media = await fetch(`${synapseUrl}/_matrix/client/v1/media/download/upgrade.test/${mediaId}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(media.status).toBe(200);
  expect(new Uint8Array(await media.arrayBuffer())).toEqual(new Uint8Array(4096).fill(7));
  expect(readFileSync(paths.secrets.signingKey, "utf8")).toBe(signingKey);
  expect((await client<{ user_id: string }>("GET", "/_matrix/client/v3/account/whoami")).user_id).toBe("@admin:upgrade.test");
}

beforeAll(async () => {
  mxhomeBinary(); // this mxhome: built once, outside any test's time
  older = join(mkdtempSync(join(tmpdir(), "mxhome-older-")), "mxhome");
  compile(older, undefined, { synapseLock: olderLock });
  const [synapsePort, caddyPort, postgresPort] = [await freePort(), await freePort(), await freePort()];
  synapseUrl = `http://127.0.0.1:${synapsePort}`;
  mkdirSync(paths.configDir, { recursive: true });
  writeFileSync(paths.synapseOverridesFile, renderTestOverrides());
  writeFileSync(join(home, "password"), `${password}\n`, { mode: 0o600 });
  const ports = ["--synapse-port", `${synapsePort}`, "--caddy-port", `${caddyPort}`, "--postgres-port", `${postgresPort}`];
  expect(run(older, "init", "--yes", "--server-name", "upgrade.test", "--runtime", "native", ...ports).exitCode).toBe(0);
  const toml = readFileSync(paths.configFile, "utf8")
    .replace(/^caddy = "caddy"$/m, `caddy = ${JSON.stringify(components.caddy)}`)
    .replace(/^postgres_bindir = ""$/m, `postgres_bindir = ${JSON.stringify(components.postgresBindir)}`)
    .replace(/^include_media = false$/m, "include_media = true");
  writeFileSync(paths.configFile, toml);
  startWatchdog(paths, home);
  const up = run(older, "up", "--password-file", join(home, "password"));
  expect(up.stderr + up.stdout).toContain(olderVersion);
  expect(up.exitCode).toBe(0);

  token = (await client<{ access_token: string }>("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password }, "")).access_token;
  roomId = (await client<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", { name: "kept", preset: "private_chat" })).room_id;
  for (const [index, body] of messages.entries()) {
    await client("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${index}`, { msgtype: "m.text", body });
  }
  const upload = await fetch(`${synapseUrl}/_matrix/media/v3/upload?filename=photo.bin`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/octet-stream" },
    body: new Uint8Array(4096).fill(7),
  });
  mediaId = ((await upload.json()) as { content_uri: string }).content_uri.split("/").pop()!;
  signingKey = readFileSync(paths.secrets.signingKey, "utf8");
}, 900_000); // compile, and the older Synapse's install: minutes on a busy machine
afterAll(() => {
  run(mxhomeBinary(), "down");
}, 60_000);

describe(`mxhome upgrade: Synapse ${olderVersion} → the pin (native, compiled binaries)`, () => {
  test("the older build runs the older Synapse; --check names the step; --dry-run changes nothing", async () => {
    expect(await serverVersion()).toBe(olderVersion);
    const check = run(mxhomeBinary(), "upgrade", "--check", "--json");
    expect(check.exitCode).toBe(0);
    const document = JSON.parse(check.stdout);
    expect(document.self).toBeUndefined(); // no release source configured: only the deployment
    expect(document.deployment.steps[0]).toEqual({ component: "synapse", kind: "forward", from: olderVersion, to: pinnedSynapseVersion });
    expect(document.deployment.components[0].running).toBe(olderVersion);

    const venvsBefore = readdirSync(paths.synapseVenvsDir);
    const dry = run(mxhomeBinary(), "upgrade", "--dry-run");
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain("mxhome upgrade would (nothing was changed):");
    expect(dry.stdout).toContain(`build Synapse ${pinnedSynapseVersion}'s venv beside ${olderVersion}'s`);
    expect(dry.stdout).toMatch(/disk: the pre-upgrade archive .*\(measured\)/);
    expect(readdirSync(paths.synapseVenvsDir)).toEqual(venvsBefore);
    expect(existsSync(join(paths.dataDir, "backups"))).toBe(false);
    expect(await serverVersion()).toBe(olderVersion);
  }, 60_000);

  test("refusals change nothing: another run holds the lock (exit 4); too little disk; Synapse not answering", async () => {
    const release = acquireLock(paths, "up");
    try {
      const locked = run(mxhomeBinary(), "upgrade");
      expect(locked.exitCode).toBe(4);
    } finally {
      release();
    }
    const config = loadConfig(paths.configFile);
    const tiny = await runDeploymentUpgrade(paths, config, { dryRun: false, mxhomeBinary: older, filesystemOf: () => ({ device: 1, freeBytes: 50 * 1024 ** 2 }) }).catch((error: unknown) => error);
    expect((tiny as MxError).code).toBe("upgrade.disk-space");
    expect((tiny as MxError).message).toContain("the pre-upgrade archive");
    const elsewhere = { ...config, network: { ...config.network, synapse_port: await freePort() } };
    const unhealthy = await runDeploymentUpgrade(paths, elsewhere, { dryRun: false, mxhomeBinary: older }).catch((error: unknown) => error);
    expect((unhealthy as MxError).code).toBe("upgrade.unhealthy");
    expect(existsSync(join(paths.dataDir, "backups"))).toBe(false);
    expect(readSynapseRecord(paths)).toEqual({ kind: "managed", version: olderVersion });
  }, 60_000);

  test("a broken new venv: back to the old Synapse and the pre-upgrade archive, healthy, data kept", async () => {
    // A venv whose Synapse dies at start, made in a second (the real install is the next test's).
    const brokenVenv = async (_paths: unknown, version: string) => {
      const venv = managedVenvDir(paths, version);
      expect(Bun.spawnSync(["/usr/bin/python3", "-m", "venv", "--without-pip", venv]).exitCode).toBe(0);
      const [lib] = readdirSync(join(venv, "lib"));
      const app = join(venv, "lib", lib!, "site-packages", "synapse", "app");
      mkdirSync(app, { recursive: true });
      for (const init of [join(app, "..", "__init__.py"), join(app, "__init__.py")]) writeFileSync(init, "");
      writeFileSync(join(app, "homeserver.py"), "raise SystemExit('broken on purpose')\n");
      return join(venv, "bin", "python");
    };
    const failed = await runDeploymentUpgrade(paths, loadConfig(paths.configFile), { dryRun: false, mxhomeBinary: older, installSynapse: brokenVenv }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(MxError);
    expect((failed as MxError).code).toBe("upgrade.rolled-back");
    expect((failed as MxError).message).toContain(`Went back to Synapse ${olderVersion}`);
    expect((failed as MxError).message).toContain("broken on purpose");
    expect(await serverVersion()).toBe(olderVersion);
    expect((await fetch(`${synapseUrl}/health`)).status).toBe(200);
    expect(readSynapseRecord(paths)).toEqual({ kind: "managed", version: olderVersion });
    expect(existsSync(managedVenvDir(paths, pinnedSynapseVersion))).toBe(false);
    expect(archives("pre-upgrade")).toHaveLength(1);
    await expectDataKept();
  }, 900_000);

  test("the upgrade: a pre-upgrade archive, the pinned Synapse, data, signing key and logins kept; then nothing to do", async () => {
    const result = run(mxhomeBinary(), "upgrade", "--json");
    expect(result.exitCode).toBe(0);
    const { deployment } = JSON.parse(result.stdout);
    expect(deployment.outcome).toBe("upgraded");
    expect(deployment.backgroundUpdates.timedOut).toBe(false);
    expect(archives("pre-upgrade")).toHaveLength(2);
    expect(deployment.backup).toContain("-pre-upgrade.tar");
    expect(await serverVersion()).toBe(pinnedSynapseVersion);
    expect(readSynapseRecord(paths)).toEqual({ kind: "managed", version: pinnedSynapseVersion });
    expect(existsSync(managedVenvDir(paths, olderVersion))).toBe(true); // the way back stays
    await expectDataKept();
    await client("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password }, "");

    const again = run(mxhomeBinary(), "upgrade");
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("Nothing to upgrade");
    expect(run(mxhomeBinary(), "up").exitCode).toBe(0); // up keeps the recorded venv
    expect(await serverVersion()).toBe(pinnedSynapseVersion);
  }, 900_000);
});
