import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compile } from "../../scripts/build.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { quadletUnits } from "../../src/render/quadlet.ts";
import { images } from "../../src/render/images.ts";
import { lockedSynapseVersion, pinnedSynapseVersion } from "../../src/runtime/native/synapse-lock.ts";
import { mxhomeBinary } from "../support/binary.ts";
import { boxUsers, type PodmanBox, sharedBox } from "../support/podman-box.ts";
import { matrixClient } from "../support/matrix-client.ts";
import { freePort } from "../support/ports.ts";
import { renderTestOverrides } from "../support/server-setup.ts";

/**
 * `mxhome upgrade` with podman, a Synapse bump, in the shared box
 * (test/support/podman-box.ts) as its user mxsyn, whose image store alone
 * holds a stand-in of the older lock's Synapse (scripts/provision-podman-box.sh)
 * beside the pinned one. An mxhome compiled with that older lock deploys it;
 * this mxhome's `up` keeps it; a deliberately broken image under the pinned
 * tag must roll back; then the real upgrade keeps data, signing key and logins.
 */
const user = "mxsyn" as const;
const home = `/home/${user}`;
const olderVersion = lockedSynapseVersion(readFileSync(join(import.meta.dir, "..", "fixtures", "synapse", "older.lock"), "utf8"));
/** Where both builds go in turn, as a user replaces a downloaded mxhome: the timers' units name this path. */
const binary = "/usr/local/lib/mxsyn/mxhome";
const password = "upgrade-box-password-1";
const messages = ["before the upgrade 1", "before the upgrade 2"];
/** mxsyn's files, where mxhome puts them (inside the box). */
const paths = resolvePaths({ HOME: home });
const synapseUnit = join(paths.quadletDir, quadletUnits.synapse.file);
const backups = join(paths.dataDir, "backups");

let box: PodmanBox;
let synapseUrl = "";
let token = "";
let roomId = "";
let mediaId = "";
let signingKey = "";

const mxhome = (...args: string[]) => box.run(user, [binary, ...args], { timeoutMs: 900_000 });
const cat = (file: string) => box.run(user, ["cat", file]).stdout;

function expectOk(result: { exitCode: number; stdout: string; stderr: string }, what: string): string {
  if (result.exitCode !== 0) throw new Error(`${what} failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Writes a file into mxsyn's HOME as mxsyn would (parents created, owned by mxsyn). */
function writeAs(boxPath: string, content: string, mode = 0o644): void {
  box.mustRun(user, ["mkdir", "-p", dirname(boxPath)]);
  const target = join(box.dir, boxPath);
  writeFileSync(target, content, { mode });
  chownSync(target, boxUsers[user], boxUsers[user]);
}

const client = matrixClient(() => synapseUrl, () => token);
const serverVersion = () => client<{ server_version: string }>("GET", "/_synapse/admin/v1/server_version").then((answer) => answer.server_version);
const record = () => (JSON.parse(cat(join(paths.stateDir, "synapse.json")) || "{}") as { source?: unknown }).source;
const unitImage = () => /^Image=(\S+)/m.exec(cat(synapseUnit))?.[1];
const preUpgradeArchives = () => box.run(user, ["ls", backups]).stdout.split("\n").filter((file) => file.includes("-pre-upgrade.tar"));

/** Everything that must survive each attempt: messages, media, the signing key, a login from before. */
async function expectDataKept(): Promise<void> {
  const page = await client<{ chunk: { type: string; content: { body?: string } }[] }>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=f&limit=100`);
  expect(page.chunk.filter((event) => event.type === "m.room.message").map((event) => event.content.body)).toEqual(messages);
  const media = await fetch(`${synapseUrl}/_matrix/client/v1/media/download/syn.test/${mediaId}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(media.status).toBe(200);
  expect(new Uint8Array(await media.arrayBuffer())).toEqual(new Uint8Array(2048).fill(9));
  expect(cat(paths.secrets.signingKey)).toBe(signingKey);
  expect((await client<{ user_id: string }>("GET", "/_matrix/client/v3/account/whoami")).user_id).toBe("@admin:syn.test");
}

beforeAll(async () => {
  mxhomeBinary(); // this mxhome: built once, outside any test's time
  const older = join(mkdtempSync(join(tmpdir(), "mxhome-older-")), "mxhome");
  compile(older, undefined, { synapseLock: readFileSync(join(import.meta.dir, "..", "fixtures", "synapse", "older.lock"), "utf8") });
  box = await sharedBox();
  box.install(older, binary);
  const [synapsePort, caddyPort, postgresPort] = [await freePort(), await freePort(), await freePort()];
  synapseUrl = `http://127.0.0.1:${synapsePort}`;
  // Synapse's background updates without their pauses: the upgrade still waits until none is left, in seconds, not a minute.
  writeAs(paths.synapseOverridesFile, `${renderTestOverrides()}background_updates:\n  sleep_enabled: false\n`);
  writeAs(`${home}/admin-password`, `${password}\n`, 0o600);
  const ports = ["--synapse-port", `${synapsePort}`, "--caddy-port", `${caddyPort}`, "--postgres-port", `${postgresPort}`];
  expectOk(mxhome("init", "--yes", "--runtime", "podman", "--server-name", "syn.test", ...ports), "init (older build)");
  writeAs(paths.configFile, cat(paths.configFile).replace(/^include_media = false$/m, "include_media = true"), 0o600);
  const started = Date.now();
  expectOk(mxhome("up", "--password-file", `${home}/admin-password`), "up (older build)");
  console.error(`first up (older build): ${((Date.now() - started) / 1000).toFixed(1)} s`);

  token = (await client<{ access_token: string }>("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password }, "")).access_token;
  roomId = (await client<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", { name: "kept", preset: "private_chat" })).room_id;
  for (const [index, body] of messages.entries()) await client("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${index}`, { msgtype: "m.text", body });
  const upload = await fetch(`${synapseUrl}/_matrix/media/v3/upload?filename=photo.bin`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/octet-stream" },
    body: new Uint8Array(2048).fill(9),
  });
  mediaId = ((await upload.json()) as { content_uri: string }).content_uri.split("/").pop()!;
  signingKey = cat(paths.secrets.signingKey);
  expect(signingKey).toStartWith("ed25519 ");
}, 900_000);

// The box stays up for the other suites (test/preload.ts stops it): this server need not run beside them.
afterAll(() => {
  box?.run(user, [binary, "down"], { timeoutMs: 120_000 });
}, 150_000);

describe(`podman: Synapse ${olderVersion} → the pin with mxhome upgrade (box)`, () => {
  test("the older build runs the older image; this mxhome's up keeps it, records it and names mxhome upgrade", async () => {
    expect(await serverVersion()).toBe(olderVersion);
    expect(unitImage()).toBe(`ghcr.io/element-hq/synapse:v${olderVersion}`);
    // As a deployment from before the record: this mxhome's up reads the unit on disk and records that.
    box.mustRun(user, ["rm", join(paths.stateDir, "synapse.json")]);
    box.install(mxhomeBinary(), binary); // the download of a newer mxhome
    const up = JSON.parse(expectOk(mxhome("up", "--json"), "up (this build)")) as { plan: { actions: { kind: string; service?: string; source?: unknown }[]; notes: string[] } };
    expect(up.plan.actions.find((action) => action.kind === "record-synapse")).toMatchObject({ source: { kind: "managed", version: olderVersion } });
    expect(up.plan.actions.filter((action) => action.service === "synapse")).toEqual([]);
    expect(up.plan.notes.join("\n")).toContain(`Synapse ${olderVersion} keeps running: this mxhome pins ${pinnedSynapseVersion}`);
    expect(record()).toEqual({ kind: "managed", version: olderVersion });
    expect(unitImage()).toBe(`ghcr.io/element-hq/synapse:v${olderVersion}`);
    expect(await serverVersion()).toBe(olderVersion);
  }, 300_000);

  test("--check names the step; --dry-run --json is one document with the plan, and changes nothing", async () => {
    const check = JSON.parse(expectOk(mxhome("upgrade", "--check", "--json"), "upgrade --check")) as { deployment: { steps: unknown[] } };
    expect(check.deployment.steps[0]).toEqual({ component: "synapse", kind: "forward", from: olderVersion, to: pinnedSynapseVersion });
    const dry = JSON.parse(expectOk(mxhome("upgrade", "--dry-run", "--json"), "upgrade --dry-run")) as {
      deployment: { outcome: string; steps: string[]; disk: { what: string; bytes: number }[] };
    };
    expect(dry.deployment.outcome).toBe("planned");
    expect(dry.deployment.steps[1]).toStartWith(`pull ${images.synapse} (unless podman has it), switch Synapse's unit from ${olderVersion}'s image`);
    // The pinned image is in mxsyn's store already: it takes no more room.
    expect(dry.deployment.disk.map((need) => need.what)).toEqual(["the pre-upgrade archive", `Synapse ${pinnedSynapseVersion}'s image`]);
    expect(dry.deployment.disk[1]!.bytes).toBe(0);
    expect(preUpgradeArchives()).toEqual([]);
    expect(record()).toEqual({ kind: "managed", version: olderVersion });
    expect(unitImage()).toBe(`ghcr.io/element-hq/synapse:v${olderVersion}`);
    expect(await serverVersion()).toBe(olderVersion);
  }, 120_000);

  test("a broken image under the pinned tag: back to the old image and the pre-upgrade archive, healthy, data kept", async () => {
    const good = "localhost/mxhome-test/synapse-good:latest";
    expectOk(box.run(user, ["podman", "tag", images.synapse, good]), "keep the good pinned image");
    // Its Synapse cannot even start: the container fails at once, so systemd's restart fails and the way back starts
    // without waiting out the restart limit (a Synapse that starts, then dies, is the runtime suite's fault test).
    writeAs(`${home}/broken/Containerfile`, `FROM ${good}\nENTRYPOINT ["/synapse-broken-on-purpose"]\n`);
    expectOk(box.run(user, ["podman", "build", "--quiet", "--network=none", "--tag", images.synapse, `${home}/broken`]), "build the broken image");
    try {
      const started = Date.now();
      const failed = mxhome("upgrade");
      console.error(`broken upgrade and rollback: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(failed.exitCode).not.toBe(0);
      expect(failed.stderr).toContain(`Went back to Synapse ${olderVersion}, left ${images.synapse} in podman's storage`);
      expect(failed.stderr).toContain("restored the pre-upgrade archive");
      expect(failed.stderr).toContain("/synapse-broken-on-purpose"); // the new Synapse's last log lines
    } finally {
      expectOk(box.run(user, ["podman", "tag", good, images.synapse]), "put the good pinned image back");
    }
    expect(await serverVersion()).toBe(olderVersion);
    expect((await fetch(`${synapseUrl}/health`)).status).toBe(200);
    expect(record()).toEqual({ kind: "managed", version: olderVersion });
    expect(unitImage()).toBe(`ghcr.io/element-hq/synapse:v${olderVersion}`);
    expect(preUpgradeArchives()).toHaveLength(1);
    await expectDataKept();
  }, 900_000);

  test("the upgrade: a pre-upgrade archive, the pinned image, data, signing key and logins kept; then nothing to do", async () => {
    const started = Date.now();
    const { deployment } = JSON.parse(expectOk(mxhome("upgrade", "--json"), "upgrade")) as {
      deployment: { outcome: string; backup: string; backgroundUpdates: { timedOut: boolean; waitedMs: number }; notes: string[] };
    };
    console.error(`upgrade: ${((Date.now() - started) / 1000).toFixed(1)} s, of which ${(deployment.backgroundUpdates.waitedMs / 1000).toFixed(1)} s for the background updates`);
    expect(deployment.outcome).toBe("upgraded");
    expect(deployment.backup).toContain("-pre-upgrade.tar");
    expect(deployment.backgroundUpdates.timedOut).toBe(false);
    expect(deployment.notes.join("\n")).toContain(`ghcr.io/element-hq/synapse:v${olderVersion} stays in podman's storage`);
    expect(preUpgradeArchives()).toHaveLength(2);
    expect(await serverVersion()).toBe(pinnedSynapseVersion);
    expect(record()).toEqual({ kind: "managed", version: pinnedSynapseVersion });
    expect(unitImage()).toBe(images.synapse);
    await expectDataKept();
    await client("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password }, "");

    expect(expectOk(mxhome("upgrade"), "upgrade again")).toContain("Nothing to upgrade");
    const up = JSON.parse(expectOk(mxhome("up", "--json"), "up after the upgrade")) as { plan: { actions: unknown[]; notes: string[] } };
    expect(up.plan.actions).toEqual([]);
    expect(up.plan.notes.join("\n")).not.toContain("mxhome upgrade");
  }, 900_000);
});
