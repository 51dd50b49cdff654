/**
 * After the PC was off: two real federating Synapses (test/support/federation.ts).
 * While `home` is down, carol on `remote` keeps talking; `remote` fails to
 * deliver and backs off. Its retry intervals are shortened (2 s, then ×60:
 * about two minutes), so the test can show in seconds what takes hours with
 * the defaults (10 min doubling to 7 days, synapse/config/federation.py):
 * - without a wake-up, `up` brings nothing back within the window;
 * - `mxhome catch-up` (and `up`, which runs it) makes `remote` send at once.
 * The control watches 30 s rather than 60 s to keep the suite short: the
 * remote's timer is asserted to have at least 60 s left when `up` starts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCatchUp } from "../../../src/catchup/run.ts";
import { readRunRecord } from "../../../src/state/runs.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import type { ServerStatus } from "../../../src/status/types.ts";
import { type Federation, startFederation } from "../../support/federation.ts";
import type { TestServer, TestUser } from "../../support/server.ts";
import { buildCommunity, type Community, dayMs, joinCommunity, kick, kickDeps, proposed, say, sleep } from "../kick/_support.ts";

const remoteBackoff = `
federation:
  destination_min_retry_interval: 2s
  destination_retry_multiplier: 60
  destination_max_retry_interval: 10m
  max_long_retries: 1
  max_long_retry_delay: 1s
`;

let federation: Federation;
let home: TestServer;
let remote: TestServer;
let community: Community;
let carol: TestUser;
let quiet: TestUser;
let lounge: string;

beforeAll(async () => {
  federation = await startFederation({ remote: { synapseOverrides: () => remoteBackoff } });
  ({ home, remote } = federation);
  community = await buildCommunity(home, ["Lounge"]);
  lounge = community.rooms.Lounge!;
  carol = await remote.createUser(`carol-${Date.now().toString(36)}`);
  quiet = await remote.createUser(`quiet-${Date.now().toString(36)}`);
  for (const user of [carol, quiet]) await joinCommunity(home, community, user, [lounge], remote);
  await kick(kickDeps(home), { mode: "observe" });
}, 180_000);
afterAll(() => federation?.stop(), 60_000);

interface Destination {
  retry_last_ts: number;
  retry_interval: number;
}
const destination = () => remote.adminApi().request<Destination>("GET", `/_synapse/admin/v1/federation/destinations/${encodeURIComponent(home.serverName)}`);

/**
 * Keeps `remote` trying (a typing notice each time its timer runs out) until
 * its next retry toward `home` is at least `leftMs` away; returns that time.
 */
async function backOffBeyond(leftMs: number): Promise<number> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(300)) {
    const { retry_last_ts, retry_interval } = await destination();
    const nextRetry = retry_last_ts + retry_interval;
    if (retry_interval > 0 && nextRetry - Date.now() >= leftMs) return nextRetry;
    if (retry_interval > 0 && nextRetry <= Date.now()) {
      await remote.http.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(lounge)}/typing/${encodeURIComponent(carol.userId)}`, { token: carol.accessToken, body: { typing: true, timeout: 1_000 } });
    }
  }
  throw new Error(`${remote.serverName} never backed off ${leftMs} ms toward ${home.serverName}`);
}

/** The owner's /sync of the Lounge from `since`: carol's message bodies starting with `prefix`, in timeline order, watched up to `timeoutMs` or until `count` arrived. */
async function ownerSees(since: string, prefix: string, count: number, timeoutMs: number): Promise<{ bodies: string[]; at?: number }> {
  const filter = JSON.stringify({ room: { rooms: [lounge], timeline: { limit: 100, types: ["m.room.message"] }, state: { types: [] }, ephemeral: { types: [] } }, presence: { types: [] } });
  const bodies: string[] = [];
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    type Sync = { next_batch: string; rooms?: { join?: Record<string, { timeline?: { events?: { sender: string; content: { body?: string } }[]; limited?: boolean } }> } };
    const batch = await home.http.request<Sync>("GET", "/_matrix/client/v3/sync", { token: community.ownerToken, query: { since, timeout: Math.max(0, Math.min(2_000, deadline - Date.now())), filter } });
    since = batch.next_batch;
    for (const event of batch.rooms?.join?.[lounge]?.timeline?.events ?? []) {
      if (event.sender === carol.userId && event.content.body?.startsWith(prefix)) bodies.push(event.content.body);
    }
    if (bodies.length >= count) return { bodies, at: Date.now() };
  }
  return { bodies };
}

const ownerSince = async () => (await home.http.request<{ next_batch: string }>("GET", "/_matrix/client/v3/sync", { token: community.ownerToken, query: { timeout: 0, filter: JSON.stringify({ room: { timeline: { limit: 1 } } }) } })).next_batch;
const twenty = (prefix: string) => Array.from({ length: 20 }, (_, index) => `${prefix} ${index + 1}`);

/** `home` goes down; carol sends 20 messages; `remote` backs off until its next retry is `leftMs` away. */
async function outage(prefix: string, leftMs: number): Promise<{ since: string; nextRetry: number }> {
  const since = await ownerSince();
  await home.down();
  for (const body of twenty(prefix)) await say(remote, carol, lounge, body);
  const nextRetry = await backOffBeyond(leftMs);
  return { since, nextRetry };
}

describe("after the PC was off", () => {
  test("control: without the wake-up nothing arrives; then `mxhome catch-up` brings all 20 at once", async () => {
    const { since, nextRetry } = await outage("while off (control)", 60_000);
    await home.up();
    expect(nextRetry - Date.now()).toBeGreaterThan(30_000);
    expect((await ownerSees(since, "while off (control)", 20, 30_000)).bodies).toEqual([]);

    const report = await runCatchUp(home.paths, home.config, home.http, { watchMs: 30_000 });
    expect(report.servers).toEqual([expect.objectContaining({ server: remote.serverName, woken: true, watched: true, via: { method: "profile", userId: expect.stringMatching(new RegExp(`:${remote.serverName}$`)) } })]);
    expect(report.servers[0]!.firstEventMs).toBeLessThan(15_000);
    expect((await ownerSees(since, "while off (control)", 20, 15_000)).bodies).toEqual(twenty("while off (control)"));
    expect(readRunRecord(home.paths, "catch-up")).toMatchObject({ ok: true, summary: expect.stringContaining("woke 1 of 1 servers") });
  }, 150_000);

  test("`up` wakes the other server: all 20 in the owner's /sync, in order, within 15 s, long before its own retry", async () => {
    const outageStart = Date.now();
    const { since, nextRetry } = await outage("while off", 60_000);
    const up = await home.up({ catchUp: { watchMs: 10_000 } });
    const upReturned = Date.now();
    expect(nextRetry - upReturned).toBeGreaterThan(15_000);
    const seen = await ownerSees(since, "while off", 20, 15_000);
    expect(seen.bodies).toEqual(twenty("while off"));
    expect(seen.at!).toBeLessThan(nextRetry);
    expect(up.catchUp).toMatchObject({ servers: [{ server: remote.serverName, woken: true }] });

    // status and doctor read the same run record.
    const status = (await gatherStatus({ paths: home.paths })) as ServerStatus;
    expect(status.lastRuns["catch-up"]).toMatchObject({ ok: true, summary: expect.stringContaining("woke 1 of 1 servers") });

    // Kick: carol was active only while home was off; her events carry that time and keep her. The quiet one is proposed.
    await kick(kickDeps(home), { mode: "observe" });
    const preview = await kick(kickDeps(home), { mode: "preview", asOf: outageStart + home.config.kick.after_days * dayMs });
    expect(proposed(preview)).toEqual([quiet.userId]);
    expect(preview.keptMembers).toContainEqual(expect.objectContaining({ userId: carol.userId, reason: "active" }));
  }, 120_000);
});
