/**
 * Synapse workers against the real parts: one native server with [scale]
 * workers = 1 (PostgreSQL, Redis from the distribution, the main Synapse, a
 * generic worker, Caddy), brought up by the real `init` and `up`, federating
 * with a second (plain) server on loopback (test/support/federation.ts).
 * - a message sent through the main process reaches another client's /sync
 *   served by the worker, and through Caddy (which routes /sync there);
 * - federation goes out through the worker (federation_sender_instances);
 * - status lists each process's health; doctor checks Redis and replication,
 *   and names the process and the fix when one is killed;
 * - `up` converges off → on → off with nothing lost; a backup holds nothing from Redis;
 * - every command keeps working with the worker on: space, kick, purge,
 *   restore (with the catch-up its `up` runs) and upgrade's venv switch;
 * - a worker killed while clients send and sync: every message the server
 *   accepted is in history, and `up` starts the worker again.
 */
import { upCatchUpWatchMs } from "../../../src/runtime/up.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { collectSources } from "../../../src/backup/collect.ts";
import { runBackup } from "../../../src/backup/run-backup.ts";
import { runRestore } from "../../../src/backup/run-restore.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { runDoctor } from "../../../src/doctor/index.ts";
import { readTextIfExists } from "../../../src/io/fs.ts";
import { purge } from "../../../src/purge/index.ts";
import { waitFor } from "../../../src/runtime/health.ts";
import { scaleDaemon } from "../../../src/runtime/native/scale.ts";
import { runningPid } from "../../../src/runtime/native/process.ts";
import { nativeDaemon } from "../../../src/runtime/native/services.ts";
import { pinnedSynapseVersion } from "../../../src/runtime/native/synapse-lock.ts";
import { synapseRecordFile } from "../../../src/runtime/native/synapse-source.ts";
import { managedPython } from "../../../src/runtime/native/synapse-venv.ts";
import { convergeSpace } from "../../../src/space/converge.ts";
import { createSynapseHttp } from "../../../src/synapse/http.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import type { ServerStatus } from "../../../src/status/types.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { setQuiet, setVerbose } from "../../../src/ui/logger.ts";
import { synapseMove } from "../../../src/upgrade/synapse-move.ts";
import { components } from "../../support/components.ts";
import { freePortRange } from "../../support/ports.ts";
import { type Federation, startFederation } from "../../support/federation.ts";
import { numbered, type OutageScene, ownerSees, ownerSince } from "../../support/outage.ts";
import type { TestServer, TestUser } from "../../support/server.ts";
import { buildCommunity, type Community, dayMs, joinCommunity, kick, kickDeps, proposed, say } from "../kick/_support.ts";
import { bytesOf, createRoom, mediaId, sendFile, sendText, upload } from "../purge/fixtures.ts";

let federation: Federation;
let server: TestServer;
let firstPort = 0;
let alice: TestUser;
let bob: TestUser;
let roomId = "";
let sent = 0;

const workerUrl = () => `http://127.0.0.1:${firstPort + 1}`;
const main = () => server.http;

async function send(body: string): Promise<string> {
  const answer = await main().request<{ event_id: string }>("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${Date.now()}-${++sent}`, {
    token: alice.accessToken,
    body: { msgtype: "m.text", body },
  });
  return answer.event_id;
}

interface Sync {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline: { events: { event_id: string; content: { body?: string } }[] } }> };
}

/** Long-polls `baseUrl`'s /sync as bob until the event arrives; the time it took, or undefined after the bound. */
async function seenInSync(baseUrl: string, since: string, eventId: string, boundMs = 15_000): Promise<number | undefined> {
  const http = createSynapseHttp(baseUrl, { timeoutMs: boundMs + 5_000 });
  const started = Date.now();
  let token = since;
  while (Date.now() - started < boundMs) {
    const answer = await http.request<Sync>("GET", "/_matrix/client/v3/sync", { token: bob.accessToken, query: { since: token, timeout: 5_000 } });
    if (answer.rooms?.join?.[roomId]?.timeline.events.some((event) => event.event_id === eventId)) return Date.now() - started;
    token = answer.next_batch;
  }
  return undefined;
}

const syncToken = async (baseUrl: string) =>
  (await createSynapseHttp(baseUrl).request<Sync>("GET", "/_matrix/client/v3/sync", { token: bob.accessToken, query: { timeout: 0 } })).next_batch;

/** The room's text messages, oldest first (the last `limit` events). */
async function bodies(limit = 100): Promise<string[]> {
  const page = await main().request<{ chunk: { type: string; content: { body?: string } }[] }>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`, {
    token: bob.accessToken,
    query: { dir: "b", limit },
  });
  return page.chunk.filter((event) => event.type === "m.room.message").map((event) => event.content.body ?? "").reverse();
}

function setWorkers(value: string): void {
  const text = readFileSync(server.paths.configFile, "utf8").replace(/^workers = .*$/m, `workers = ${value}`);
  writeFileSync(server.paths.configFile, text);
}

/** The services checks (workers and replication among them, with what they wait for); the results of `ids` only. */
async function doctor(ids = ["workers", "replication"]) {
  const report = await runDoctor({ paths: server.paths, mxhomeBinary: "/usr/local/bin/mxhome", offline: true, only: "services" });
  return { checks: ids.map((id) => report.checks.find((check) => check.id === id)!) };
}

beforeAll(async () => {
  firstPort = await freePortRange(2);
  federation = await startFederation({
    home: {
      configure: (config) => {
        config.scale.workers = 1;
        config.scale.first_port = firstPort;
      },
    },
  });
  server = federation.home;
  [alice, bob] = [await server.createUser(), await server.createUser()];
  roomId = (await main().request<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", { token: alice.accessToken, body: { preset: "private_chat", invite: [bob.userId] } })).room_id;
  await main().request("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: bob.accessToken, body: {} });
}, 180_000);

afterAll(async () => {
  await federation?.stop();
}, 60_000);

describe("workers on", () => {
  test("a message sent through the main process reaches the other client's /sync served by the worker", async () => {
    const since = await syncToken(workerUrl());
    const eventId = await send("hello via main");
    expect(await seenInSync(workerUrl(), since, eventId)).toBeLessThan(15_000);
  }, 30_000);

  test("through Caddy too: /sync goes to the worker, the send to the main process", async () => {
    const since = await syncToken(server.publicUrl);
    const eventId = await send("hello via caddy");
    expect(await seenInSync(server.publicUrl, since, eventId)).toBeLessThan(15_000);
    // The worker's own listener answers the same token: Caddy's /sync was served there (routes: test/integration/render/caddy.test.ts).
    expect((await fetch(`${workerUrl()}/health`)).status).toBe(200);
  }, 30_000);

  test("federation goes out through the worker: a user on the other server joins and gets the message", async () => {
    const { remote } = federation;
    const carol = await remote.createUser();
    await main().request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`, { token: alice.accessToken, body: { user_id: carol.userId } });
    await remote.http.request("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: carol.accessToken, body: {}, query: { server_name: server.serverName } });
    const since = (await remote.http.request<Sync>("GET", "/_matrix/client/v3/sync", { token: carol.accessToken, query: { timeout: 0 } })).next_batch;
    const eventId = await send("hello, other server");
    const started = Date.now();
    let seen = false;
    for (let token = since; !seen && Date.now() - started < 20_000; ) {
      const answer = await remote.http.request<Sync>("GET", "/_matrix/client/v3/sync", { token: carol.accessToken, query: { since: token, timeout: 5_000 } });
      seen = answer.rooms?.join?.[roomId]?.timeline.events.some((event) => event.event_id === eventId) ?? false;
      token = answer.next_batch;
    }
    expect(seen).toBe(true);
    // The main process sends no federation: it names the worker as its only sender.
    expect(readFileSync(`${server.paths.synapseDir}/homeserver.yaml`, "utf8")).toContain('federation_sender_instances: ["worker1"]');
  }, 60_000);

  test("status lists Redis and the worker, each healthy", async () => {
    const status = (await gatherStatus({ paths: server.paths })) as ServerStatus;
    expect(status.workers.map(({ name, state, healthy, wanted }) => ({ name, state, healthy, wanted }))).toEqual([
      { name: "redis", state: "running", healthy: true, wanted: true },
      { name: "worker1", state: "running", healthy: true, wanted: true },
    ]);
    expect(status.workers[1]!.port).toBe(firstPort + 1);
  });

  test("doctor: Redis and the worker answer, and replication works within its bound", async () => {
    const report = await doctor();
    expect(report.checks.map(({ id, status }) => ({ id, status }))).toEqual([
      { id: "workers", status: "ok" },
      { id: "replication", status: "ok" },
    ]);
    expect(report.checks[1]!.detail).toMatch(/worker worker1: seen after \d+ ms/);
  }, 40_000);

  test("a backup holds nothing from Redis (Redis keeps no state)", () => {
    const members = collectSources(server.paths, { includeMedia: true }).map((source) => source.member);
    expect(members.filter((member) => /redis|\.rdb$|appendonly/i.test(member))).toEqual([]);
  });
});

describe("every command with workers on", () => {
  let community: Community;
  /** "ok", or the Matrix error's code ("synapse.M_FORBIDDEN"). */
  const outcome = (request: Promise<unknown>) => request.then(() => "ok", (error: unknown) => (error instanceof MxError ? error.code : Promise.reject(error)));

  test("space: create builds the Space, a second run changes nothing, a member's client browses it through the worker", async () => {
    community = await buildCommunity(server, ["Lounge"]);
    const again = await convergeSpace(server.paths, server.config, { space: { name: "Family" }, rooms: [{ name: "Lounge", encrypted: false }], dryRun: false });
    expect(again.changed).toBe(false);
    const member = await server.createUser();
    await joinCommunity(server, community, member, [community.rooms.Lounge!]);
    // /hierarchy is a worker route: the member's client reads the Space from the worker, through Caddy.
    const hierarchy = await createSynapseHttp(server.publicUrl).request<{ rooms: { name?: string }[] }>("GET", `/_matrix/client/v1/rooms/${encodeURIComponent(community.spaceId)}/hierarchy`, {
      token: member.accessToken,
    });
    expect(hierarchy.rooms.map((room) => room.name)).toEqual(["Family", "Lounge"]);
    const outsider = await server.createUser();
    expect(await outcome(main().request("POST", `/_matrix/client/v3/join/${encodeURIComponent(community.rooms.Lounge!)}`, { token: outsider.accessToken, body: {} }))).toBe(
      "synapse.M_FORBIDDEN",
    );
  }, 60_000);

  test("restore: the worker stops with the main process and comes back; the catch-up of its `up` wakes the other server, whose messages reach the worker's /sync", async () => {
    const { remote } = federation;
    const carol = await remote.createUser();
    await joinCommunity(server, community, carol, [community.rooms.Lounge!], remote);
    const ownerToken = community.ownerToken;
    const scene: OutageScene = { home: { ...server, http: createSynapseHttp(workerUrl()) }, remote, roomId: community.rooms.Lounge!, speaker: carol, ownerToken };
    const since = await ownerSince(scene);
    const history = await bodies();
    setQuiet(true);
    const archive = (await runBackup(server.paths, server.config, { includeMedia: false })).archive;
    const workerBefore = runningPid(scaleDaemon(server.paths, "worker1"));
    const restoring = runRestore(server.paths, {
      archive,
      force: true,
      dryRun: false,
      passphrase: async () => "",
      ports: {},
      mxhomeBinary: "/usr/local/bin/mxhome",
      onTerminal: false,
      catchUp: { watchMs: upCatchUpWatchMs },
    });
    // While the server is down for the restore (the worker first, then the main process), carol keeps talking.
    const down = await waitFor(async () => runningPid(scaleDaemon(server.paths, "worker1")) === undefined && !(await fetch(`${server.synapseUrl}/health`).then((answer) => answer.ok, () => false)), 60_000, 50);
    expect(down).toBe(true);
    for (const body of numbered("during the restore", 5)) await say(remote, carol, scene.roomId, body);
    const report = await restoring.finally(() => setVerbose(false));
    expect(runningPid(scaleDaemon(server.paths, "worker1"))).not.toBe(workerBefore);
    expect(runningPid(scaleDaemon(server.paths, "worker1"))).toBeNumber();
    expect(report.catchUp).toMatchObject({ servers: [{ server: remote.serverName, woken: true }] });
    expect((await ownerSees(scene, since, "during the restore", 5, 30_000)).bodies).toEqual(numbered("during the restore", 5));
    expect(await bodies()).toEqual(history);
  }, 180_000);

  test("kick: a member who only reads, through the worker's /sync, is seen (last seen) and kept; a silent one is proposed", async () => {
    const [reader, silent] = [await server.createUser(), await server.createUser()];
    for (const user of [reader, silent]) await joinCommunity(server, community, user, [community.rooms.Lounge!]);
    // Observed before the window starts, as a daily run would have: a member first seen within it is not proposed yet.
    await kick(kickDeps(server), { mode: "observe" });
    const from = Date.now();
    // A token of the reader's own: Synapse records a device's last use per token, and the worker's use reaches the main process over replication.
    const login = await createSynapseHttp(server.publicUrl).request<{ access_token: string }>("POST", "/_matrix/client/v3/login", {
      body: { type: "m.login.password", identifier: { type: "m.id.user", user: reader.userId }, password: reader.password },
    });
    await createSynapseHttp(server.publicUrl).request("GET", "/_matrix/client/v3/sync", { token: login.access_token, query: { timeout: 0 } });
    // The main process writes client IPs in batches (every few seconds).
    const lastSeen = async () => (await server.adminApi().user(reader.userId))?.last_seen_ts ?? 0;
    for (const deadline = Date.now() + 20_000; (await lastSeen()) < from && Date.now() < deadline; ) await Bun.sleep(500);
    expect(await lastSeen()).toBeGreaterThanOrEqual(from);
    await kick(kickDeps(server), { mode: "observe" });
    const preview = await kick(kickDeps(server), { mode: "preview", asOf: from + server.config.kick.after_days * dayMs });
    expect(preview.keptMembers).toContainEqual(expect.objectContaining({ userId: reader.userId, reason: "active" }));
    expect(proposed(preview)).toContain(silent.userId);
    expect(proposed(preview)).not.toContain(reader.userId);
  }, 60_000);

  test("purge: history and media retention run (on the main process); the worker no longer serves a purged event", async () => {
    const purgeable = await createRoom(server, alice, "Purgeable");
    const old = [await sendText(server, alice, purgeable, "old 1"), await sendText(server, alice, purgeable, "old 2")];
    const oldMedia = await upload(server, alice, bytesOf(3000, 3), "old.bin");
    old.push(await sendFile(server, alice, purgeable, oldMedia, 3000));
    const context = (eventId: string) =>
      outcome(createSynapseHttp(workerUrl()).request("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(purgeable)}/context/${encodeURIComponent(eventId)}`, { token: alice.accessToken, query: { limit: 0 } }));
    // /context is a worker route: the worker has the old event in its caches before the purge.
    expect(await context(old[0]!)).toBe("ok");
    await Bun.sleep(1_200);
    const middle = Date.now();
    await Bun.sleep(1_200);
    const fresh = await sendText(server, alice, purgeable, "new 1");
    const asOf = Date.now();
    setQuiet(true);
    const report = await purge(server.paths, server.config, { dryRun: false, yes: true, vacuumFull: false, interactive: false, asOf: new Date(asOf).toISOString(), olderThan: `${Math.round((asOf - middle) / 1000)}s` });
    setVerbose(false);
    expect(report.error).toBeUndefined();
    expect(report.steps.history).toMatchObject({ status: "done", failures: [] });
    expect(report.steps.media.local.items).toBeGreaterThanOrEqual(1);
    expect(Number(await server.sql(`SELECT count(*) FROM events WHERE event_id IN (${old.map((id) => `'${id}'`).join(",")})`))).toBe(0);
    expect([await context(old[0]!), await context(fresh)]).toEqual(["synapse.M_NOT_FOUND", "ok"]);
    const download = await fetch(`${server.publicUrl}/_matrix/client/v1/media/download/${server.serverName}/${mediaId(oldMedia)}`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect(download.status).toBe(404);
  }, 90_000);

  test("upgrade: the venv switch restarts the worker with the new Synapse", async () => {
    const recordBefore = readTextIfExists(synapseRecordFile(server.paths));
    const config = loadConfig(server.paths.configFile);
    // Managed Synapse (no runtime.native.python): a "new" venv whose python is the provisioned one, marked in its environment.
    const managed = { ...config, runtime: { ...config.runtime, native: { ...config.runtime.native, python: "" } } };
    const to = "9.9.9";
    const installSynapse = async () => {
      const python = managedPython(server.paths, to);
      mkdirSync(dirname(python), { recursive: true });
      writeFileSync(python, `#!/bin/sh\nMXHOME_TEST_VENV=${to} exec ${JSON.stringify(components.synapsePython)} "$@"\n`, { mode: 0o755 });
      return python;
    };
    const move = synapseMove(server.paths, managed, { kind: "synapse-venv", from: pinnedSynapseVersion, to }, { mxhomeBinary: "/usr/local/bin/mxhome", installSynapse });
    setQuiet(true);
    try {
      await move.prepare();
      await move.switchTo();
    } finally {
      setVerbose(false);
      if (recordBefore === undefined) rmSync(synapseRecordFile(server.paths), { force: true });
      else writeFileSync(synapseRecordFile(server.paths), recordBefore, { mode: 0o600 });
    }
    const environment = (pid: number | undefined) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    expect(environment(runningPid(nativeDaemon(server.paths, "synapse")))).toContain(`MXHOME_TEST_VENV=${to}`);
    expect(environment(runningPid(scaleDaemon(server.paths, "worker1")))).toContain(`MXHOME_TEST_VENV=${to}`);
    const since = await syncToken(workerUrl());
    expect(await seenInSync(workerUrl(), since, await send("after the switch"))).toBeLessThan(15_000);
  }, 120_000);
});

describe("faults", () => {
  test("a worker killed under load: every message the server accepted is in history; doctor names it and the fix; `up` starts it again", async () => {
    // Clients as a phone would be: one sends through Caddy (to the main process) every 50 ms, one long-polls /sync through Caddy (to the worker).
    const caddy = createSynapseHttp(server.publicUrl, { timeoutMs: 10_000 });
    const accepted: string[] = [];
    let failedSends = 0;
    let running = true;
    const sender = (async () => {
      for (let index = 0; running; index++) {
        const body = `under load ${index}`;
        const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/load${index}`;
        await caddy.request("PUT", path, { token: alice.accessToken, body: { msgtype: "m.text", body } }).then(() => accepted.push(body), () => failedSends++);
        await Bun.sleep(50);
      }
    })();
    const syncer = (async () => {
      for (let since = await syncToken(workerUrl()); running; ) {
        since = await caddy.request<Sync>("GET", "/_matrix/client/v3/sync", { token: bob.accessToken, query: { since, timeout: 1_000 } }).then(
          (answer) => answer.next_batch,
          // While the worker is down, Caddy answers its /sync with 502 (README, "Growing"): the client retries.
          () => Bun.sleep(200).then(() => since),
        );
      }
    })();
    await Bun.sleep(1_000);
    process.kill(runningPid(scaleDaemon(server.paths, "worker1"))!, "SIGKILL");
    const beforeKill = accepted.length;
    await Bun.sleep(1_000);
    const [workers] = (await doctor(["workers"])).checks;
    expect(workers).toMatchObject({ status: "fail", fix: expect.stringContaining("mxhome up") });
    expect(workers!.detail).toContain("Synapse worker1 is not running: it stopped unexpectedly");
    const report = await server.up();
    expect(report.plan.actions).toContainEqual({ kind: "start-process", process: "worker1", reason: "it had stopped unexpectedly" });
    const whileDown = accepted.length - beforeKill;
    await Bun.sleep(1_000);
    running = false;
    await Promise.all([sender, syncer]);
    expect((await doctor(["workers"])).checks[0]!.status).toBe("ok");
    // Sending never goes to a worker: nothing was refused, and each accepted message is in the room's history, in order.
    expect(failedSends).toBe(0);
    expect(whileDown).toBeGreaterThan(0);
    expect((await bodies(1_000)).filter((body) => body.startsWith("under load "))).toEqual(accepted);
  }, 120_000);

  test("Redis stopped: doctor names it; `up` brings it back and replication works again", async () => {
    process.kill(runningPid(scaleDaemon(server.paths, "redis"))!, "SIGTERM");
    await Bun.sleep(500);
    const [workers] = (await doctor(["workers"])).checks;
    expect(workers!.status).toBe("fail");
    expect(workers!.detail).toContain("redis is not running");
    expect(workers!.detail).toContain("Without Redis");
    await server.up();
    // Synapse reconnects to Redis by itself (it retries); the probe shows when replication flows again.
    let report = await doctor();
    for (let tries = 0; tries < 5 && report.checks[1]?.status !== "ok"; tries++) {
      await Bun.sleep(2_000);
      report = await doctor();
    }
    expect(report.checks.map((check) => check.status)).toEqual(["ok", "ok"]);
  }, 120_000);
});

describe("converging both ways", () => {
  test("on → off: the worker and Redis stop, the main process serves everything, nothing is lost", async () => {
    const before = await bodies();
    setWorkers('"off"');
    const report = await server.up();
    const kinds = report.plan.actions.map((action) => ("process" in action ? `${action.kind} ${action.process}` : `${action.kind}${"service" in action ? ` ${action.service}` : ""}`));
    expect(kinds).toEqual(expect.arrayContaining(["stop-process worker1", "restart synapse", "stop-process redis", "restart caddy"]));
    expect(runningPid(scaleDaemon(server.paths, "worker1"))).toBeUndefined();
    expect(runningPid(scaleDaemon(server.paths, "redis"))).toBeUndefined();
    expect(await bodies()).toEqual(before);
    const since = await syncToken(server.publicUrl);
    const eventId = await send("workers off");
    expect(await seenInSync(server.publicUrl, since, eventId)).toBeLessThan(15_000);
    expect((await gatherStatus({ paths: server.paths }) as ServerStatus).workers).toEqual([]);
  }, 180_000);

  test("off → on: the worker serves /sync again with the whole history", async () => {
    const before = await bodies();
    setWorkers("1");
    await server.up();
    expect(await bodies()).toEqual(before);
    const since = await syncToken(workerUrl());
    const eventId = await send("workers on again");
    expect(await seenInSync(workerUrl(), since, eventId)).toBeLessThan(15_000);
    expect((await server.up()).plan.actions.filter((action) => action.kind !== "enable-units" && action.kind !== "daemon-reload")).toEqual([]);
  }, 180_000);
});
