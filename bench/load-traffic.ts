/**
 * bench/load.ts's traffic: clients long-polling /sync, some of them sending a
 * message every 10–30 s with typing notices and read receipts, as a chat
 * client does. Plain fetch rather than matrix-js-sdk: 150 SDK clients would
 * load this 2-core machine more than the homeserver being measured.
 */
import { inPool, type Member, type Side } from "./load-population.ts";

export interface TrafficOptions {
  clients: number;
  senders: number;
  durationMs: number;
  /** A message every intervalMs[0]–intervalMs[1] per sender. */
  intervalMs: [number, number];
  /** After the last send, how long clients keep syncing so late messages still arrive. */
  drainMs: number;
  baseUrl: Record<Side, string>;
}

export interface TrafficResult {
  sent: number;
  /** Send → first appearance in another client's /sync on that side, per message, ms. */
  latencyMs: Record<Side, number[]>;
  /** The send request's own round trip, ms. */
  sendMs: number[];
  /** Messages some client on that side should have seen and none did. */
  missing: Record<Side, number>;
  errors: Record<string, number>;
}

/** `count` members, a third (rounded up) from the remote, so the clients mirror the population. */
export function pickClients(members: Member[], count: number): Member[] {
  const remote = members.filter((m) => m.side === "remote");
  const home = members.filter((m) => m.side === "home");
  const remoteCount = Math.min(remote.length, Math.ceil(count / 3));
  const chosen = [...home.slice(0, count - remoteCount), ...remote.slice(0, remoteCount)];
  // Interleave so the first `senders` clients are also about a third remote.
  return chosen.sort((a, b) => members.indexOf(a) - members.indexOf(b));
}

const syncFilter = JSON.stringify({ room: { state: { lazy_load_members: true }, timeline: { limit: 20 } } });
const random = (low: number, high: number) => low + Math.random() * (high - low);

interface ClientState {
  member: Member;
  since?: string;
  /** Latest event id seen per room: what a read receipt points at. */
  latest: Map<string, string>;
}

export async function runTraffic(members: Member[], options: TrafficOptions, onWarm: () => void): Promise<TrafficResult> {
  const clients: ClientState[] = pickClients(members, options.clients).map((member) => ({ member, latest: new Map() }));
  const senders = clients.slice(0, options.senders);
  const errors: Record<string, number> = {};
  const fail = (kind: string) => (errors[kind] = (errors[kind] ?? 0) + 1);
  const sentAt = new Map<string, { at: number; sender: Member }>();
  const firstSeen: Record<Side, Map<string, number>> = { home: new Map(), remote: new Map() };
  const sendMs: number[] = [];
  const stop = new AbortController();
  // Unique per run: an earlier contender's messages in the timeline are never mistaken for this one's.
  const messagePrefix = `bench-${crypto.randomUUID().slice(0, 8)}:`;

  const request = async (member: Member, method: string, path: string, body?: object, signal?: AbortSignal): Promise<Response> =>
    fetch(`${options.baseUrl[member.side]}${path}`, {
      method,
      headers: { Authorization: `Bearer ${member.token}`, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      signal,
    });

  const syncOnce = async (client: ClientState, timeoutMs: number): Promise<void> => {
    const query = `timeout=${timeoutMs}&filter=${encodeURIComponent(syncFilter)}${client.since ? `&since=${encodeURIComponent(client.since)}` : ""}`;
    const response = await request(client.member, "GET", `/_matrix/client/v3/sync?${query}`, undefined, stop.signal);
    if (!response.ok) {
      fail(`sync ${response.status}`);
      await response.body?.cancel();
      await Bun.sleep(1_000);
      return;
    }
    const now = performance.now();
    const body = (await response.json()) as { next_batch: string; rooms?: { join?: Record<string, { timeline?: { events?: { event_id: string; sender: string; type: string; content?: { body?: string } }[] } }> } };
    client.since = body.next_batch;
    for (const [roomId, room] of Object.entries(body.rooms?.join ?? {})) {
      for (const event of room.timeline?.events ?? []) {
        client.latest.set(roomId, event.event_id);
        const text = event.content?.body;
        if (event.type !== "m.room.message" || !text?.startsWith(messagePrefix) || event.sender === client.member.userId) continue;
        const seen = firstSeen[client.member.side];
        if (!seen.has(text)) seen.set(text, now);
      }
    }
  };

  // Warm-up: every client's initial sync, as if they had been online all along; not measured.
  await inPool(clients, 10, async (client) => {
    try {
      await syncOnce(client, 0);
    } catch {
      fail("initial sync");
    }
  });
  onWarm();

  const syncLoops = clients.map(async (client) => {
    while (!stop.signal.aborted) {
      try {
        await syncOnce(client, 30_000);
      } catch {
        if (!stop.signal.aborted) {
          fail("sync network");
          await Bun.sleep(1_000);
        }
      }
    }
  });

  const deadline = performance.now() + options.durationMs;
  let counter = 0;
  const sendLoops = senders.map(async (client, index) => {
    const { member } = client;
    const room = encodeURIComponent(member.roomId);
    const me = encodeURIComponent(member.userId);
    // Spread the senders' first messages over the first interval.
    let wait = random(0, options.intervalMs[1]);
    while (performance.now() + wait < deadline) {
      await Bun.sleep(wait);
      const typing = await request(member, "PUT", `/_matrix/client/v3/rooms/${room}/typing/${me}`, { typing: true, timeout: 5_000 }).catch(() => undefined);
      if (!typing?.ok) fail("typing");
      await typing?.body?.cancel();
      const text = `${messagePrefix}${index}-${++counter}`;
      const started = performance.now();
      sentAt.set(text, { at: started, sender: member });
      const sent = await request(member, "PUT", `/_matrix/client/v3/rooms/${room}/send/m.room.message/${crypto.randomUUID()}`, { msgtype: "m.text", body: text }).catch(() => undefined);
      if (sent?.ok) sendMs.push(performance.now() - started);
      else {
        fail(`send ${sent?.status ?? "network"}`);
        sentAt.delete(text);
      }
      await sent?.body?.cancel();
      const latest = client.latest.get(member.roomId);
      if (latest) {
        const receipt = await request(member, "POST", `/_matrix/client/v3/rooms/${room}/receipt/m.read/${encodeURIComponent(latest)}`, {}).catch(() => undefined);
        if (!receipt?.ok) fail("receipt");
        await receipt?.body?.cancel();
      }
      wait = random(options.intervalMs[0], options.intervalMs[1]);
    }
  });
  await Promise.all(sendLoops);
  await Bun.sleep(options.drainMs);
  stop.abort();
  await Promise.all(syncLoops);

  const latencyMs: Record<Side, number[]> = { home: [], remote: [] };
  const missing: Record<Side, number> = { home: 0, remote: 0 };
  for (const [text, { at, sender }] of sentAt) {
    for (const side of ["home", "remote"] as const) {
      const observers = clients.some((c) => c.member.side === side && c.member.roomId === sender.roomId && c.member !== sender);
      const seen = firstSeen[side].get(text);
      if (seen !== undefined) latencyMs[side].push(seen - at);
      else if (observers) missing[side]++;
    }
  }
  return { sent: sentAt.size, latencyMs, sendMs, missing, errors };
}
