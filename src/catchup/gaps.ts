import { classifyEvent } from "../kick/evidence.ts";
import type { Activity } from "../kick/types.ts";

/**
 * Closing the gaps an outage leaves in a room's history, with the I/O
 * passed in (synapse-io.ts has Synapse's; the unit tests a fake).
 *
 * A *forward* gap: after more than about an hour of backoff the other
 * server stops queueing for us, and the wake does not send what it wrote
 * after that (README, "After the PC was off"). Our server can't see it: the
 * missing events are newer than anything it holds. Asking our Synapse for
 * the event closest to a time after our newest one
 * (`timestamp_to_event?dir=f`) finds none locally, so it asks the room's
 * other servers over federation and fetches ("backfills") their answer
 * (synapse handlers/room.py TimestampLookupHandler). That event has no
 * successor we know of, so it sits next to a forward gap, and asking for
 * the newest event before now (`dir=b`) now also goes to the other servers
 * and fetches their newest (storage events_worker.py
 * is_event_next_to_forward_gap). Without that first fetched event `dir=b`
 * never asks: our newest event is a forward extremity, "not a gap".
 *
 * A *backward* gap: between that newest event (or one that arrived without
 * its predecessors; Synapse fetches at most 10 of those) and the last event
 * we held before the outage. Scrolling back over it (`/messages?dir=b`)
 * makes Synapse backfill it from the other servers. Pages come in Synapse's
 * federation format, so the judge can check every event after the last one
 * held before has its predecessors: that is "closed".
 */
export interface DagEvent {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  depth: number;
  prev_events: string[];
  state_key?: string;
  content?: Record<string, any>;
}

export interface FoundEvent {
  eventId: string;
  ts: number;
}

export interface GapIo {
  /** The newest event we hold in the room, by position in its history (a local read). */
  newest(roomId: string): Promise<DagEvent | undefined>;
  /** Synapse's event closest to `ts` in direction `dir`, asking the other servers when it sees a gap; undefined when there is none. */
  closest(roomId: string, ts: number, dir: "f" | "b"): Promise<FoundEvent | undefined>;
  /** One page of history back from `from` (the live end when absent), newest first; Synapse backfills gaps it meets. */
  page(roomId: string, from: string | undefined): Promise<{ events: DagEvent[]; end?: string }>;
  /** Whether our server holds this event at all (older history a page did not reach). */
  held(eventId: string): Promise<boolean>;
  now(): number;
}

export interface GapLimits {
  /** Rooms checked per run (the Space's first). */
  rooms: number;
  /** Pages of history (100 events each) read back per room. */
  pagesPerRoom: number;
  /** Newest-event lookups after the first forward fetch. */
  forwardSteps: number;
  /** Predecessors checked one by one per room before calling it not closed. */
  heldChecks: number;
  /** No room starts after this long. */
  budgetMs: number;
}

export const defaultGapLimits: GapLimits = { rooms: 50, pagesPerRoom: 10, forwardSteps: 5, heldChecks: 20, budgetMs: 60_000 };

/** Where a room's history stood before the wake: its newest event then. */
export interface Anchor {
  roomId: string;
  eventId: string;
  depth: number;
}

/** What catch-up reports per room whose history had a gap (rooms without one are only counted). */
export interface RoomGap {
  roomId: string;
  /** The other servers held events newer than any we had: the newest were fetched by timestamp lookup. */
  forwardGap: boolean;
  /** Events after the last one held before the wake, now readable by scrolling back. */
  eventsAfter: number;
  /** Of those, how many never came through /sync: fetched (forward lookups, then backfill while scrolling back). */
  fetched: number;
  /** Scrolling back from the newest event reaches the last one held before, and every event in between has its predecessors. */
  closed: boolean;
  /** Why it is not closed. */
  reason?: string;
}

/** Activity in events that never came through /sync, for kick (which reads /sync): newest per sender, source and room. */
export type FetchedActivity = Activity & { roomId: string };

export interface RoomGapResult {
  gap?: RoomGap;
  activity: FetchedActivity[];
}

/**
 * Pure: the history after the anchor in pages read newest first. `after`
 * are the events before the anchor in that order; `unresolved` the
 * predecessors of those that no page held (older history, or a hole).
 */
export function judgeHistory(anchor: Pick<Anchor, "eventId" | "depth">, events: readonly DagEvent[]): { reachedAnchor: boolean; after: DagEvent[]; unresolved: string[] } {
  const index = events.findIndex((event) => event.event_id === anchor.eventId);
  const below = events.findIndex((event) => event.depth < anchor.depth);
  const end = index >= 0 ? index : below >= 0 ? below : events.length;
  const after = events.slice(0, end);
  const ids = new Set(events.map((event) => event.event_id));
  const unresolved = [...new Set(after.flatMap((event) => event.prev_events).filter((id) => !ids.has(id)))];
  return { reachedAnchor: index >= 0 || below >= 0, after, unresolved };
}

/** Pure: the newest activity per sender and kind in the fetched events, as kick classifies them. */
export function fetchedActivity(roomId: string, fetched: readonly DagEvent[]): FetchedActivity[] {
  const newest = new Map<string, FetchedActivity>();
  for (const event of fetched) {
    const source = classifyEvent(event);
    const key = `${event.sender}\u0000${source}`;
    if ((newest.get(key)?.ts ?? -Infinity) >= event.origin_server_ts) continue;
    newest.set(key, { userId: event.sender, source, ts: event.origin_server_ts, roomId });
  }
  return [...newest.values()];
}

/** The forward gap: whether the other servers hold events newer than our newest; fetches the oldest and the newest of them. */
async function closeForwardGap(roomId: string, io: GapIo, limits: GapLimits): Promise<boolean> {
  const tip = await io.closest(roomId, io.now(), "b");
  if (!tip) return false;
  const first = await io.closest(roomId, tip.ts + 1, "f");
  if (!first || first.eventId === tip.eventId) return false;
  const seen = new Set([tip.eventId, first.eventId]);
  for (let step = 0; step < limits.forwardSteps; step++) {
    const newest = await io.closest(roomId, io.now(), "b");
    if (!newest || seen.has(newest.eventId)) break;
    seen.add(newest.eventId);
  }
  return true;
}

/** Reads history back from the live end until the anchor, at most `pagesPerRoom` pages. */
async function readBack(roomId: string, anchor: Anchor, io: GapIo, limits: GapLimits): Promise<DagEvent[]> {
  const events: DagEvent[] = [];
  let from: string | undefined;
  for (let page = 0; page < limits.pagesPerRoom; page++) {
    const answer = await io.page(roomId, from);
    events.push(...answer.events);
    if (judgeHistory(anchor, events).reachedAnchor || !answer.end || answer.events.length === 0) break;
    from = answer.end;
  }
  return events;
}

/** What tells a fetched event from one that came otherwise. */
export interface Arrived {
  /** Ids /sync delivered during the watch. */
  synced: ReadonlySet<string>;
  /** Our server name: our own users' events were never fetched. */
  ownServer: string;
}

/**
 * One room: fetch a forward gap, then read back to the anchor (which
 * backfills what lies between) and judge. Events from other servers that
 * /sync did not deliver during the watch were fetched.
 */
export async function closeRoomGaps(anchor: Anchor, arrived: Arrived, io: GapIo, limits: GapLimits = defaultGapLimits): Promise<RoomGapResult> {
  const { roomId } = anchor;
  const forwardGap = await closeForwardGap(roomId, io, limits);
  let judged = judgeHistory(anchor, []);
  let missing: string[] = [];
  // A second read picks up what Synapse backfilled in the background during the first.
  for (let pass = 0; pass < 2; pass++) {
    judged = judgeHistory(anchor, await readBack(roomId, anchor, io, limits));
    missing = [];
    for (const id of judged.unresolved.slice(0, limits.heldChecks)) if (!(await io.held(id))) missing.push(id);
    if (judged.unresolved.length > limits.heldChecks) missing.push(...judged.unresolved.slice(limits.heldChecks));
    if (judged.reachedAnchor && missing.length === 0) break;
  }
  const fetched = judged.after.filter((event) => !arrived.synced.has(event.event_id) && !event.sender.endsWith(`:${arrived.ownServer}`));
  const closed = judged.reachedAnchor && missing.length === 0;
  const activity = fetchedActivity(roomId, fetched);
  if (!forwardGap && fetched.length === 0 && closed) return { activity };
  const reason = !judged.reachedAnchor
    ? `scrolling back ${limits.pagesPerRoom} pages did not reach the last event held before`
    : missing.length
      ? `${missing.length} earlier events still missing`
      : undefined;
  return { gap: { roomId, forwardGap, eventsAfter: judged.after.length, fetched: fetched.length, closed, ...(reason ? { reason } : {}) }, activity };
}

export interface GapsOutcome {
  /** Rooms checked. */
  checked: number;
  /** Rooms with a gap, closed or not. */
  rooms: RoomGap[];
  /** Rooms not checked: over the room cap or the time budget. */
  skipped: number;
  activity: FetchedActivity[];
}

/** Every anchored room, one after the other (each costs federation requests to the same few servers), within the limits. */
export async function closeGaps(anchors: readonly Anchor[], arrived: Arrived, io: GapIo, limits: GapLimits = defaultGapLimits): Promise<GapsOutcome> {
  const started = io.now();
  const outcome: GapsOutcome = { checked: 0, rooms: [], skipped: 0, activity: [] };
  for (const anchor of anchors.slice(0, limits.rooms)) {
    if (io.now() - started > limits.budgetMs) break;
    outcome.checked++;
    try {
      const result = await closeRoomGaps(anchor, arrived, io, limits);
      if (result.gap) outcome.rooms.push(result.gap);
      outcome.activity.push(...result.activity);
    } catch (error) {
      const reason = (error as Error).message.split("\n")[0] ?? String(error);
      outcome.rooms.push({ roomId: anchor.roomId, forwardGap: false, eventsAfter: 0, fetched: 0, closed: false, reason });
    }
  }
  outcome.skipped = anchors.length - outcome.checked;
  return outcome;
}
