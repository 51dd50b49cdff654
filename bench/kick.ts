/**
 * `bun bench/kick.ts [rounds]`: what an observation costs on a Space of 20
 * rooms and 600 members (local accounts seeded through the admin API, every
 * member in every room): the first observation (a full sync of the scope)
 * against an incremental one after 100 new events, each through a counting
 * proxy in front of Synapse — wall time, requests, bytes received.
 * Targets: first ≤ 60 s; incremental ≤ 10% of the first one's bytes.
 * PostgreSQL refuses root, so as root this re-runs itself as the test user.
 */
import { rmSync } from "node:fs";
import { ledgerFile } from "../src/kick/ledger.ts";
import { type KickOptions, runKick } from "../src/kick/run.ts";
import { createSynapseHttp } from "../src/synapse/http.ts";
import { setQuiet } from "../src/ui/logger.ts";
import { startTestServer, type TestServer } from "../test/support/server.ts";
import { format, median } from "./_measure.ts";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";

rerunAsTestUserWhenRoot("bench-kick");
const rounds = Number(process.argv[2] ?? 3);
const roomCount = 20;
const memberCount = 600;
const newEvents = 100;

interface Counts {
  requests: number;
  bytes: number;
}

/** Forwards to Synapse and counts requests and response bytes: what the run received. */
function countingProxy(target: string) {
  const counts: Counts = { requests: 0, bytes: 0 };
  const proxy = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete("host");
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      const answer = await fetch(`${target}${url.pathname}${url.search}`, { method: request.method, headers, body });
      const bytes = new Uint8Array(await answer.arrayBuffer());
      counts.requests++;
      counts.bytes += bytes.byteLength;
      const out = new Headers(answer.headers);
      out.delete("content-encoding");
      out.delete("content-length");
      return new Response(bytes, { status: answer.status, headers: out });
    },
  });
  return { url: `http://127.0.0.1:${proxy.port}`, counts, stop: () => proxy.stop(true) };
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(work));
}

async function seed(server: TestServer): Promise<{ spaceId: string; rooms: string[]; users: string[] }> {
  const admin = server.adminApi();
  const owner = await admin.loginAs(server.admin.userId);
  const create = async (body: Record<string, unknown>) =>
    (await server.http.request<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", { token: owner, body: { preset: "public_chat", ...body } })).room_id;
  const spaceId = await create({ name: "Bench", creation_content: { type: "m.space" } });
  const rooms: string[] = [];
  for (let index = 0; index < roomCount; index++) {
    const roomId = await create({ name: `Room ${index + 1}` });
    rooms.push(roomId);
    await server.http.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(spaceId)}/state/m.space.child/${encodeURIComponent(roomId)}`, {
      token: owner,
      body: { via: [server.serverName] },
    });
  }
  const users = Array.from({ length: memberCount }, (_, index) => `@member${index}:${server.serverName}`);
  await inBatches(users, 20, (userId) => admin.upsertUser(userId, { displayname: userId.slice(1, userId.indexOf(":")) }));
  // Public rooms: the admin join API needs no invite. Rooms in parallel, each room's joins in turn.
  await Promise.all([spaceId, ...rooms].map(async (roomId) => {
    for (const userId of users) await admin.request("POST", `/_synapse/admin/v1/join/${encodeURIComponent(roomId)}`, { body: { user_id: userId } });
  }));
  return { spaceId, rooms, users };
}

async function sendEvents(server: TestServer, rooms: string[], users: string[], count: number): Promise<void> {
  const senders = users.sort(() => Math.random() - 0.5).slice(0, count);
  const tokens = await Promise.all(senders.map((userId) => server.adminApi().loginAs(userId)));
  await inBatches(
    tokens.map((token, index) => ({ token, roomId: rooms[index % rooms.length]! })),
    10,
    ({ token, roomId }) =>
      server.http.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/b${Date.now()}${Math.random()}`, {
        token,
        body: { msgtype: "m.text", body: "bench" },
      }),
  );
}

setQuiet(true);
const server = await startTestServer();
try {
  let started = performance.now();
  const { spaceId, rooms, users } = await seed(server);
  console.log(`seeded a Space of ${roomCount} rooms × ${memberCount} members (${(roomCount + 1) * memberCount} joins) in ${format(performance.now() - started)}`);

  const config = { ...server.config, kick: { ...server.config.kick, scope: spaceId } };
  const proxy = countingProxy(server.synapseUrl);
  const deps = {
    paths: server.paths,
    config,
    http: createSynapseHttp(proxy.url, { timeoutMs: 300_000 }),
    now: Date.now,
    scopeRoot: () => ({ kind: "configured" as const, room: spaceId }),
    confirm: async () => true,
  };
  const run = async (options: Pick<KickOptions, "mode">) => {
    proxy.counts.requests = 0;
    proxy.counts.bytes = 0;
    const start = performance.now();
    const report = await runKick(deps, { revokeInvites: false, dryRun: false, ...options });
    return { ms: performance.now() - start, ...proxy.counts, report };
  };
  const setup = await run({ mode: "setup" });
  console.log(`kick --setup: ${setup.report.setup!.steps.length} rooms fixed in ${format(setup.ms)}`);

  const firsts: Awaited<ReturnType<typeof run>>[] = [];
  const incrementals: Awaited<ReturnType<typeof run>>[] = [];
  for (let round = 0; round < rounds; round++) {
    rmSync(ledgerFile(server.paths), { force: true });
    const first = await run({ mode: "observe" });
    firsts.push(first);
    await sendEvents(server, rooms, users, newEvents);
    const incremental = await run({ mode: "observe" });
    incrementals.push(incremental);
    console.log(
      `round ${round + 1}: first ${format(first.ms)}, ${first.requests} requests, ${(first.bytes / 1e6).toFixed(2)} MB, ${first.report.observation!.events} items` +
        ` | incremental ${format(incremental.ms)}, ${incremental.requests} requests, ${(incremental.bytes / 1e3).toFixed(1)} kB, ${incremental.report.observation!.events} items`,
    );
  }
  started = performance.now();
  const preview = await run({ mode: "preview" });
  console.log(`preview (observe + decide over ${preview.report.population} members): ${format(preview.ms)}`);

  const firstMs = median(firsts.map((entry) => entry.ms));
  const firstBytes = median(firsts.map((entry) => entry.bytes));
  const incrementalBytes = median(incrementals.map((entry) => entry.bytes));
  console.log("");
  console.log(`first observation        median ${format(firstMs)}  ${median(firsts.map((entry) => entry.requests))} requests  ${(firstBytes / 1e6).toFixed(2)} MB   (target ≤ 60 s: ${firstMs <= 60_000 ? "met" : "MISSED"})`);
  console.log(
    `incremental (+${newEvents} events) median ${format(median(incrementals.map((entry) => entry.ms)))}  ${median(incrementals.map((entry) => entry.requests))} requests  ${(incrementalBytes / 1e3).toFixed(1)} kB` +
      `   = ${((100 * incrementalBytes) / firstBytes).toFixed(2)}% of the first's bytes (target ≤ 10%: ${incrementalBytes <= firstBytes / 10 ? "met" : "MISSED"})`,
  );
  proxy.stop();
} finally {
  await server.stop();
}
