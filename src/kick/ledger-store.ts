import type { Database } from "bun:sqlite";
import type { CreateContent } from "./power.ts";
import type { Activity, ActivitySource, Membership, RoomMembership } from "./types.ts";

/**
 * Reads and writes of the ledger (its file, schema and recovery live in
 * ledger.ts). Activity keeps the newest time per user and source; writes of
 * one observation go through `transaction`, so a run that dies half-way
 * leaves the ledger and its since-token as they were.
 */
export interface LedgerRoom {
  roomId: string;
  isSpace: boolean;
  /** When the ledger started observing this room: evidence from it is complete from here on. */
  observedSince: number;
  powerLevels?: Record<string, unknown>;
  create?: CreateContent;
}

export interface MembershipRow extends RoomMembership {
  userId: string;
}

interface RoomRow {
  room_id: string;
  is_space: number;
  observed_since: number;
  power_levels: string | null;
  create_content: string | null;
}

interface MembershipDbRow {
  room_id: string;
  user_id: string;
  membership: Membership;
  since: number;
  first_observed: number;
}

const parseJson = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

export class LedgerStore {
  constructor(readonly db: Database) {}

  close(): void {
    this.db.close();
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  meta(key: string): string | undefined {
    return this.db.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  get id(): string {
    return this.meta("ledger_id") ?? "";
  }

  get createdAt(): number {
    return Number(this.meta("created_at") ?? 0);
  }

  rooms(): LedgerRoom[] {
    return this.db
      .query<RoomRow, []>("SELECT * FROM rooms ORDER BY room_id")
      .all()
      .map((row) => ({
        roomId: row.room_id,
        isSpace: row.is_space === 1,
        observedSince: row.observed_since,
        powerLevels: parseJson(row.power_levels),
        create: parseJson(row.create_content),
      }));
  }

  addRoom(roomId: string, isSpace: boolean, observedSince: number): void {
    this.db.query("INSERT INTO rooms (room_id, is_space, observed_since) VALUES (?, ?, ?)").run(roomId, isSpace ? 1 : 0, observedSince);
  }

  setRoomState(roomId: string, state: { powerLevels?: Record<string, unknown>; create?: CreateContent; isSpace?: boolean }): void {
    if (state.powerLevels) this.db.query("UPDATE rooms SET power_levels = ? WHERE room_id = ?").run(JSON.stringify(state.powerLevels), roomId);
    if (state.create) this.db.query("UPDATE rooms SET create_content = ? WHERE room_id = ?").run(JSON.stringify(state.create), roomId);
    if (state.isSpace !== undefined) this.db.query("UPDATE rooms SET is_space = ? WHERE room_id = ?").run(state.isSpace ? 1 : 0, roomId);
  }

  /** Forgets a room the bot can no longer observe; if it comes back, its tracking starts again. */
  dropRoom(roomId: string): void {
    this.db.query("DELETE FROM memberships WHERE room_id = ?").run(roomId);
    this.db.query("DELETE FROM rooms WHERE room_id = ?").run(roomId);
  }

  membership(roomId: string, userId: string): RoomMembership | undefined {
    const row = this.db
      .query<MembershipDbRow, [string, string]>("SELECT * FROM memberships WHERE room_id = ? AND user_id = ?")
      .get(roomId, userId);
    return row ? { roomId, membership: row.membership, since: row.since, firstObserved: row.first_observed } : undefined;
  }

  putMembership(userId: string, membership: RoomMembership): void {
    this.db
      .query(
        `INSERT INTO memberships (room_id, user_id, membership, since, first_observed) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership, since = excluded.since, first_observed = excluded.first_observed`,
      )
      .run(membership.roomId, userId, membership.membership, membership.since, membership.firstObserved);
  }

  deleteMembership(roomId: string, userId: string): void {
    this.db.query("DELETE FROM memberships WHERE room_id = ? AND user_id = ?").run(roomId, userId);
  }

  memberships(): MembershipRow[] {
    return this.db
      .query<MembershipDbRow, []>("SELECT * FROM memberships ORDER BY user_id, room_id")
      .all()
      .map((row) => ({ userId: row.user_id, roomId: row.room_id, membership: row.membership, since: row.since, firstObserved: row.first_observed }));
  }

  /** Keeps the newest time per user and source. */
  recordActivity(activity: Activity): void {
    this.db
      .query(
        `INSERT INTO activity (user_id, source, ts, room_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, source) DO UPDATE SET ts = excluded.ts, room_id = excluded.room_id WHERE excluded.ts > activity.ts`,
      )
      .run(activity.userId, activity.source, activity.ts, activity.roomId ?? null);
  }

  /** Each user's newest activity, whatever its source. */
  latestActivity(): Map<string, Activity> {
    const rows = this.db
      .query<{ user_id: string; source: ActivitySource; ts: number; room_id: string | null }, []>("SELECT * FROM activity ORDER BY ts")
      .all();
    const latest = new Map<string, Activity>();
    for (const row of rows) latest.set(row.user_id, { userId: row.user_id, source: row.source, ts: row.ts, roomId: row.room_id ?? undefined });
    return latest;
  }

  /** Every source's newest time for one user (the preview's detail). */
  activityOf(userId: string): Activity[] {
    return this.db
      .query<{ source: ActivitySource; ts: number; room_id: string | null }, [string]>("SELECT source, ts, room_id FROM activity WHERE user_id = ? ORDER BY ts DESC")
      .all(userId)
      .map((row) => ({ userId, source: row.source, ts: row.ts, roomId: row.room_id ?? undefined }));
  }
}
