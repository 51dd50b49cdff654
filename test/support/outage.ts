/**
 * An outage of `home` seen from a federating `remote` (test/support/federation.ts):
 * `home` goes down, a remote member keeps talking in a room they share, and
 * `remote` backs off toward `home`; then what the owner's /sync shows.
 * Shared by test/integration/catchup and bench/catch-up.ts.
 *
 * Give `remote` short retry intervals (Synapse's defaults are 10 min, ×2, up
 * to 7 days: synapse/config/federation.py), e.g. `remoteBackoff(60)`.
 */
import { say } from "../integration/kick/_support.ts";

export { say };
import type { TestServer, TestUser } from "./server.ts";

/** The `federation:` settings for `remote`: first retry after `minSeconds`, then ×`multiplier` (with Synapse's jitter, ×0.8–1.4). */
export const remoteBackoff = (multiplier: number, minSeconds = 2) => `
federation:
  destination_min_retry_interval: ${minSeconds}s
  destination_retry_multiplier: ${multiplier}
  destination_max_retry_interval: 7d
  max_long_retries: 1
  max_long_retry_delay: 1s
`;

export interface OutageScene {
  home: TestServer;
  remote: TestServer;
  roomId: string;
  /** The remote member who talks while `home` is down. */
  speaker: TestUser;
  /** An access token of a local member of the room (the owner). */
  ownerToken: string;
}

interface Destination {
  retry_last_ts: number;
  retry_interval: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const roomPath = (roomId: string, rest: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/${rest}`;

/** `remote`'s backoff toward `home`, through its admin API. */
export const destinationOf = (scene: OutageScene) =>
  scene.remote.adminApi().request<Destination>("GET", `/_synapse/admin/v1/federation/destinations/${encodeURIComponent(scene.home.serverName)}`);

/**
 * Keeps `remote` trying (a typing notice each time its timer runs out) until
 * its next retry toward `home` is at least `leftMs` away; returns that time.
 */
export async function backOffBeyond(scene: OutageScene, leftMs: number, timeoutMs = 60_000): Promise<number> {
  const { remote, roomId, speaker } = scene;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(300)) {
    const { retry_last_ts, retry_interval } = await destinationOf(scene);
    const nextRetry = retry_last_ts + retry_interval;
    if (retry_interval > 0 && nextRetry - Date.now() >= leftMs) return nextRetry;
    if (retry_interval > 0 && nextRetry <= Date.now()) {
      await remote.http.request("PUT", roomPath(roomId, `typing/${encodeURIComponent(speaker.userId)}`), { token: speaker.accessToken, body: { typing: true, timeout: 1_000 } });
    }
  }
  throw new Error(`${remote.serverName} never backed off ${leftMs} ms toward ${scene.home.serverName}`);
}

export const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}`);

/** The owner's current /sync position. */
export async function ownerSince(scene: OutageScene): Promise<string> {
  const filter = JSON.stringify({ room: { timeline: { limit: 1 } } });
  return (await scene.home.http.request<{ next_batch: string }>("GET", "/_matrix/client/v3/sync", { token: scene.ownerToken, query: { timeout: 0, filter } })).next_batch;
}

/** `home` goes down; the speaker sends `count` messages; `remote` backs off until its next retry is `leftMs` away. */
export async function outage(scene: OutageScene, prefix: string, count: number, leftMs: number): Promise<{ since: string; nextRetry: number }> {
  const since = await ownerSince(scene);
  await scene.home.down();
  for (const body of numbered(prefix, count)) await say(scene.remote, scene.speaker, scene.roomId, body);
  return { since, nextRetry: await backOffBeyond(scene, leftMs) };
}

type SyncAnswer = {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: { sender: string; content: { body?: string } }[]; limited?: boolean; prev_batch?: string } }> };
};

/**
 * The owner's /sync of the room from `since`: the speaker's bodies starting
 * with `prefix`, in timeline order, until `count` arrived or `timeoutMs`
 * passed; `at` is when the last one needed arrived, `limited` whether a
 * timeline came back limited (the rest is only reachable by scrolling back).
 */
export async function ownerSees(scene: OutageScene, since: string, prefix: string, count: number, timeoutMs: number): Promise<{ bodies: string[]; at?: number; limited: boolean }> {
  const { home, roomId, speaker, ownerToken } = scene;
  const filter = JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 100, types: ["m.room.message"] }, state: { types: [] }, ephemeral: { types: [] } }, presence: { types: [] } });
  const bodies: string[] = [];
  let limited = false;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const batch = await home.http.request<SyncAnswer>("GET", "/_matrix/client/v3/sync", { token: ownerToken, query: { since, timeout: Math.max(0, Math.min(2_000, deadline - Date.now())), filter } });
    since = batch.next_batch;
    const timeline = batch.rooms?.join?.[roomId]?.timeline;
    limited ||= Boolean(timeline?.limited);
    for (const event of timeline?.events ?? []) {
      if (event.sender === speaker.userId && event.content.body?.startsWith(prefix)) bodies.push(event.content.body);
    }
    if (bodies.length >= count) return { bodies, at: Date.now(), limited };
  }
  return { bodies, limited };
}

/** Scrolling back from now (client /messages, which makes Synapse backfill a gap): the speaker's bodies starting with `prefix`, oldest first. */
export async function ownerScrollsBack(scene: OutageScene, prefix: string, pages = 10): Promise<string[]> {
  const { home, roomId, speaker, ownerToken } = scene;
  const bodies: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < pages; page++) {
    const answer: { chunk: { sender: string; content: { body?: string } }[]; end?: string } = await home.http.request("GET", roomPath(roomId, "messages"), {
      token: ownerToken,
      query: { dir: "b", limit: 100, ...(from ? { from } : {}) },
    });
    for (const event of answer.chunk) if (event.sender === speaker.userId && event.content.body?.startsWith(prefix)) bodies.unshift(event.content.body);
    if (!answer.end || answer.chunk.length === 0) break;
    from = answer.end;
  }
  return bodies;
}
