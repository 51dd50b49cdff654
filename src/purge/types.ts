import type { DeadRoom } from "./dead-rooms.ts";

/**
 * What `mxhome purge` reports: the `--json` document, the human table and the
 * run record all come from this one object. A step is only ever marked done
 * after it finished; a step that never started stays "not-run".
 *
 * - done: it ran and removed something (or VACUUM ran)
 * - nothing: it ran; there was nothing to remove
 * - planned: --dry-run, the figures are what would go
 * - skipped: switched off, or waiting for a first confirmation (see `note`)
 * - failed: it stopped with an error, or some rooms failed (`error`, `failures`)
 * - not-run: an earlier failure stopped the run before this step
 */
export type StepStatus = "done" | "nothing" | "planned" | "skipped" | "failed" | "not-run";

export interface StepBase {
  status: StepStatus;
  durationMs: number;
  note?: string;
  error?: string;
}

export interface RoomFailure {
  roomId: string;
  error: string;
}

export interface DeadRoomsStep extends StepBase {
  rooms: DeadRoom[];
  /** Rooms deleted (or, in a dry run, that would be). */
  deleted: number;
  /** Events stored in those rooms. */
  events: number;
  failures: RoomFailure[];
}

export interface HistoryStep extends StepBase {
  /** Rooms looked at (every room except dead ones being deleted). */
  rooms: number;
  /** Rooms that had (or would have) events to purge. */
  roomsPurged: number;
  events: number;
  failures: RoomFailure[];
}

export interface MediaCount {
  items: number;
  bytes: number;
}

export interface MediaStep extends StepBase {
  /** Uploads to this server, last used before the cut-off; profile pictures and room avatars are kept. */
  local: MediaCount;
  /** Cached copies of other servers' media. */
  remote: MediaCount;
}

export interface SpaceStep extends StepBase {
  vacuum: "VACUUM" | "VACUUM FULL";
  /** Empty directories removed from the media store (in a dry run: empty now). */
  emptyDirectories: number;
}

/** Real figures, not promised to drop: a plain VACUUM makes space reusable but rarely shrinks files. */
export interface SizeChange {
  /** Absent only when the run failed before it could measure. */
  before?: number;
  /** Absent in a dry run, or when the run stopped before measuring again. */
  after?: number;
}

export interface PurgeReport {
  dryRun: boolean;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  /** The run is evaluated as if at this moment (now, or --as-of). */
  asOf: string;
  /** Everything last used before this moment goes. */
  before: string;
  window: { text: string; source: "retention" | "--older-than" };
  steps: { deadRooms: DeadRoomsStep; history: HistoryStep; media: MediaStep; space: SpaceStep };
  sizes: { databaseBytes: SizeChange; mediaStoreBytes: SizeChange };
  /** Why the run failed, when it did. */
  error?: { message: string; code: string; hint?: string };
}

export type StepName = keyof PurgeReport["steps"];
