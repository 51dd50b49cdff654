import type { FetchedActivity, RoomGap } from "./gaps.ts";
import type { WakeResult } from "./wake.ts";

/** What `mxhome catch-up --json` prints, and its run record's report. */
export interface ServerCatchUp extends WakeResult {
  /** Whether the bot shares a room with it, so its events can be seen arriving. */
  watched: boolean;
  /** Ms from the start of the wake until its first event reached the bot's /sync. */
  firstEventMs?: number;
  /** When the oldest event it delivered was made: about when it started queueing for us. */
  queuedSince?: string;
}

/** The gap check after the watch (gaps.ts): rooms whose history had a hole or missed its newest events. */
export interface GapsReport {
  /** Rooms checked: the bot's rooms shared with a woken server. */
  checked: number;
  /** Not checked: over the room cap or the time budget. */
  skipped: number;
  /** Rooms with a gap, closed or not. */
  rooms: RoomGap[];
  /** Events fetched in all rooms. */
  fetched: number;
}

export interface CatchUpReport {
  startedAt: string;
  /** Rooms a local user is joined to. */
  rooms: number;
  servers: ServerCatchUp[];
  watchedForMs: number;
  /** Rooms whose timeline came back `limited` while watching: the newest events came first; scroll back for the rest. */
  limitedRooms: string[];
  /** Absent when it did not run (`--watch 0`, nobody to wake). */
  gaps?: GapsReport;
  /**
   * Activity in fetched events, which kick's /sync never shows: kick reads
   * it from this record. Carried over from the previous run's record for as
   * long as kick may need it, so a second start before kick runs loses none.
   */
  fetchedActivity: FetchedActivity[];
  /** mxhome's accounts don't exist yet: a first start of Synapse, before `mxhome up` created them. */
  notSetUp?: true;
}

/** Entries of `activity` kept at most. */
export const maxCarriedActivity = 2_000;

/**
 * Pure: this run's fetched activity plus the previous record's not older
 * than `keepSince`, the newest per user, kind and room, newest first,
 * capped.
 */
export function carryActivity(previous: readonly FetchedActivity[], current: readonly FetchedActivity[], keepSince: number, cap = maxCarriedActivity): FetchedActivity[] {
  const newest = new Map<string, FetchedActivity>();
  for (const entry of [...current, ...previous]) {
    if (entry.ts < keepSince) continue;
    const key = `${entry.userId}\u0000${entry.source}\u0000${entry.roomId}`;
    if ((newest.get(key)?.ts ?? -Infinity) < entry.ts) newest.set(key, entry);
  }
  return [...newest.values()].sort((a, b) => b.ts - a.ts).slice(0, cap);
}
