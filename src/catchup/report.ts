import type { WakeResult } from "./wake.ts";

/** What `mxhome catch-up --json` prints, and its run record's report. */
export interface ServerCatchUp extends WakeResult {
  /** Whether the bot shares a room with it, so its events can be seen arriving. */
  watched: boolean;
  /** Ms from the start of the wake until its first event reached the bot's /sync. */
  firstEventMs?: number;
  /** When the oldest event it delivered was made: about when it started queueing for us. */
  queuedSince?: string;
  /** It queued long enough to have stopped queueing (see `mayHaveStoppedQueueing`): its newest events may still be missing. */
  newestMayBeMissing?: boolean;
}

export interface CatchUpReport {
  startedAt: string;
  /** Rooms a local user is joined to. */
  rooms: number;
  servers: ServerCatchUp[];
  watchedForMs: number;
  /** Rooms whose timeline came back `limited` while watching: the newest events came first; scroll back for the rest. */
  limitedRooms: string[];
  /** mxhome's accounts don't exist yet: a first start of Synapse, before `mxhome up` created them. */
  notSetUp?: true;
}

/**
 * With Synapse's default backoff (10 min, then ×2 with jitter 0.8–1.4) its
 * next retry toward us can be more than an hour away after three failures,
 * the earliest about 26 min after the first; from then on it stops queueing
 * new events for us and the wake-up does not send them (README, "After the
 * PC was off"). The oldest event it delivered dates its first failure, about.
 */
export const stopsQueueingAfterMs = 25 * 60_000;

/** Pure: whether a server that queued since `oldestEventTs` may have stopped queueing before `wokenAt`. */
export const mayHaveStoppedQueueing = (oldestEventTs: number, wokenAt: number): boolean => wokenAt - oldestEventTs > stopsQueueingAfterMs;

