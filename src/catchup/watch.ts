import type { SynapseHttp } from "../synapse/http.ts";
import { serverOf } from "./targets.ts";

/**
 * What the bot's /sync shows after the wake: when each woken server's first
 * event arrived, and which rooms came back `limited` (more arrived than one
 * sync returns; Synapse may also have fetched only the newest of them).
 */
export interface SyncBatch {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: { event_id?: string; sender?: string; origin_server_ts?: number }[]; limited?: boolean } }> };
}

export interface Arrivals {
  /** Server → ms from the wake's start to the sync that first carried one of its events. */
  firstEventMs: Record<string, number>;
  /** Server → the oldest `origin_server_ts` among its events seen: when it started queueing for us, about. */
  oldestEventTs: Record<string, number>;
  limitedRooms: string[];
  /** Ids of every timeline event /sync delivered (not reported: the gap check counts what did not come this way). */
  synced: Set<string>;
}

/** Pure: folds one sync answer into what was seen so far. */
export function noteArrivals(arrivals: Arrivals, batch: SyncBatch, watched: ReadonlySet<string>, elapsedMs: number): void {
  for (const [roomId, room] of Object.entries(batch.rooms?.join ?? {})) {
    if (room.timeline?.limited && !arrivals.limitedRooms.includes(roomId)) arrivals.limitedRooms.push(roomId);
    for (const event of room.timeline?.events ?? []) {
      if (event.event_id) arrivals.synced.add(event.event_id);
      const server = serverOf(event.sender ?? "");
      if (!watched.has(server)) continue;
      arrivals.firstEventMs[server] ??= elapsedMs;
      const ts = event.origin_server_ts;
      if (ts !== undefined && ts < (arrivals.oldestEventTs[server] ?? Infinity)) arrivals.oldestEventTs[server] = ts;
    }
  }
}

const filter = (timelineLimit: number) =>
  JSON.stringify({
    event_fields: ["event_id", "sender", "origin_server_ts"],
    account_data: { types: [] },
    presence: { types: [] },
    room: { account_data: { types: [] }, ephemeral: { types: [] }, state: { types: [] }, timeline: { limit: timelineLimit } },
  });

export interface SyncWatch {
  /** Syncs until every watched server has shown an event or `durationMs` passed. */
  until(watched: ReadonlySet<string>, startedAt: number, durationMs: number): Promise<Arrivals>;
  /** Then goes on until a sync waits `quietMs` without a timeline event (at most `maxMs`): the woken servers have sent what they had. */
  settle(quietMs: number, maxMs: number): Promise<void>;
}

/** Takes the bot's current sync position now, before the wake, so everything after it counts. */
export async function startSyncWatch(http: SynapseHttp, botToken: string): Promise<SyncWatch> {
  // set_presence=offline: the bot must not look online, nor count as activity.
  const sync = (since: string | undefined, timeoutMs: number, limit: number) =>
    http.request<SyncBatch>("GET", "/_matrix/client/v3/sync", {
      token: botToken,
      query: { timeout: timeoutMs, set_presence: "offline", filter: filter(limit), ...(since ? { since } : {}) },
    });
  let since = (await sync(undefined, 0, 1)).next_batch;
  const arrivals: Arrivals = { firstEventMs: {}, oldestEventTs: {}, limitedRooms: [], synced: new Set() };
  let watched: ReadonlySet<string> = new Set();
  let startedAt = Date.now();
  /** One sync; whether it carried a timeline event. */
  const step = async (timeoutMs: number): Promise<boolean> => {
    const batch = await sync(since, timeoutMs, 100);
    since = batch.next_batch;
    noteArrivals(arrivals, batch, watched, Date.now() - startedAt);
    return Object.values(batch.rooms?.join ?? {}).some((room) => (room.timeline?.events?.length ?? 0) > 0);
  };
  return {
    async until(servers, start, durationMs) {
      watched = servers;
      startedAt = start;
      const done = () => [...watched].every((server) => arrivals.firstEventMs[server] !== undefined);
      while (!done()) {
        const left = startedAt + durationMs - Date.now();
        if (left <= 0) break;
        await step(Math.min(left, 5_000));
      }
      return arrivals;
    },
    async settle(quietMs, maxMs) {
      // A sync also returns early for changes the filter then drops: only `quietMs` without an event counts.
      let lastEventAt = Date.now();
      for (const deadline = lastEventAt + maxMs; Date.now() < deadline; ) {
        const quietLeft = lastEventAt + quietMs - Date.now();
        if (quietLeft <= 0) return;
        if (await step(Math.min(quietLeft, Math.max(0, deadline - Date.now())))) lastEventAt = Date.now();
      }
    },
  };
}
