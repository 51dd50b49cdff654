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
 * - `up` converges off → on → off with nothing lost; a backup holds nothing from Redis.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { collectSources } from "../../../src/backup/collect.ts";
import { runDoctor } from "../../../src/doctor/index.ts";
import { scaleDaemon } from "../../../src/runtime/native/scale.ts";
import { runningPid } from "../../../src/runtime/native/process.ts";
import { createSynapseHttp } from "../../../src/synapse/http.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import type { ServerStatus } from "../../../src/status/types.ts";
import { freePortRange } from "../../support/ports.ts";
import { type Federation, startFederation } from "../../support/federation.ts";
import type { TestServer, TestUser } from "../../support/server.ts";

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

async function bodies(): Promise<string[]> {
  const page = await main().request<{ chunk: { type: string; content: { body?: string } }[] }>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`, {
    token: bob.accessToken,
    query: { dir: "b", limit: 100 },
  });
  return page.chunk.filter((event) => event.type === "m.room.message").map((event) => event.content.body ?? "");
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

describe("faults", () => {
  test("a killed worker: doctor names it and the fix; `up` starts it again", async () => {
    const pid = runningPid(scaleDaemon(server.paths, "worker1"))!;
    process.kill(pid, "SIGKILL");
    await Bun.sleep(300);
    const [workers] = (await doctor(["workers"])).checks;
    expect(workers).toMatchObject({ status: "fail", fix: expect.stringContaining("mxhome up") });
    expect(workers!.detail).toContain("Synapse worker1 is not running: it stopped unexpectedly");
    const report = await server.up();
    expect(report.plan.actions).toContainEqual({ kind: "start-process", process: "worker1", reason: "it had stopped unexpectedly" });
    expect((await doctor(["workers"])).checks[0]!.status).toBe("ok");
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
