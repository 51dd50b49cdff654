import type { SynapseAdmin } from "../synapse/admin.ts";
import type { SynapseHttp } from "../synapse/http.ts";
import { applyMemberChange, extractRoomEvidence, presenceActivities, type RoomEvidence, type SyncEvent } from "./evidence.ts";
import { fetchCreate, walkJoinTime } from "./history.ts";
import type { LedgerStore } from "./ledger-store.ts";
import { fetchGap, fetchJoinedRooms, fetchSync, type SyncResponse } from "./sync.ts";
import type { Activity, RoomMembership, ScopeRoom } from "./types.ts";

/**
 * One observation: the scope rooms the bot is in are synced (incrementally
 * from the stored since-token; rooms new to the ledger, and rooms the bot
 * left or rejoined since the last run, from scratch, their tracking
 * starting now) and the evidence is written to the ledger in one
 * transaction per sync, together with the token that sync returned.
 */
export interface ObserveInput {
  http: SynapseHttp;
  botUserId: string;
  botToken: string;
  admin: SynapseAdmin;
  ledger: LedgerStore;
  scope: readonly ScopeRoom[];
  /**
   * Activity in events `mxhome catch-up` fetched after an outage (its run
   * record): fetched history never comes through /sync, so without this a
   * member active only while the PC was off could look inactive.
   */
  fetchedActivity?: readonly Activity[];
  now: () => number;
}

export interface ObservationReport {
  at: number;
  /** Scope rooms synced this run; `started` were new to the ledger (tracking starts now). */
  rooms: { observed: number; started: string[]; unobserved: string[] };
  incremental: boolean;
  events: number;
  /** Timelines that overflowed and were filled from /messages. */
  gapsFilled: number;
  joinTimesLookedUp: number;
}

const key = (roomId: string, userId: string) => `${roomId}\u0000${userId}`;

interface Pending {
  evidence: RoomEvidence[];
  memberships: Map<string, { userId: string; membership: RoomMembership | null }>;
  presence: Activity[];
}

/** Applies the member changes in order over the ledger (in memory), then looks up join times behind profile changes. */
async function resolveMemberships(input: ObserveInput, evidence: RoomEvidence[], at: number, report: ObservationReport): Promise<Pending["memberships"]> {
  const overlay: Pending["memberships"] = new Map();
  const walks: Array<{ membership: RoomMembership; from: string }> = [];
  for (const room of evidence) {
    for (const change of room.memberChanges) {
      const k = key(room.roomId, change.userId);
      const existing = overlay.has(k) ? (overlay.get(k)!.membership ?? undefined) : input.ledger.membership(room.roomId, change.userId);
      const update = applyMemberChange(room.roomId, existing, change, at);
      overlay.set(k, { userId: change.userId, membership: update.next ?? null });
      if (update.walkFrom && update.next) walks.push({ membership: update.next, from: update.walkFrom });
    }
  }
  for (const walk of walks) walk.membership.since = await walkJoinTime(input.admin, walk.from, walk.membership.since);
  report.joinTimesLookedUp += walks.length;
  return overlay;
}

function evidenceOf(response: SyncResponse, rooms: ReadonlySet<string>, at: number, gaps: Map<string, SyncEvent[]>): RoomEvidence[] {
  return Object.entries(response.rooms?.join ?? {})
    .filter(([roomId]) => rooms.has(roomId))
    .map(([roomId, room]) =>
      extractRoomEvidence(
        roomId,
        { state: [...(gaps.get(roomId) ?? []), ...(room.state?.events ?? [])], timeline: room.timeline?.events, ephemeral: room.ephemeral?.events },
        at,
      ),
    );
}

function write(ledger: LedgerStore, pending: Pending, fresh: readonly ScopeRoom[], at: number, since: string | undefined): void {
  ledger.transaction(() => {
    for (const room of fresh) ledger.addRoom(room.roomId, room.isSpace, at);
    for (const room of pending.evidence) {
      ledger.setRoomState(room.roomId, { powerLevels: room.powerLevels, create: room.create });
      for (const activity of room.activities) ledger.recordActivity(activity);
    }
    for (const activity of pending.presence) ledger.recordActivity(activity);
    for (const [k, { userId, membership }] of pending.memberships) {
      if (membership) ledger.putMembership(userId, membership);
      else ledger.deleteMembership(k.slice(0, k.indexOf("\u0000")), userId);
    }
    if (since) ledger.setMeta("since", since);
    ledger.setMeta("last_observed_at", String(at));
  });
}

/**
 * One sync and its evidence, written with its token when `keepToken` (the
 * incremental sync, or the very first). Answers the rooms the bot rejoined
 * since the last run: what happened while it was away was not seen.
 */
async function syncAndRecord(input: ObserveInput, rooms: readonly ScopeRoom[], since: string | undefined, keepToken: boolean, report: ObservationReport): Promise<string[]> {
  const { http, botToken, ledger } = input;
  const at = input.now();
  const ids = new Set(rooms.map((room) => room.roomId));
  const response = await fetchSync(http, botToken, [...ids], since);
  const gaps = new Map<string, SyncEvent[]>();
  for (const [roomId, room] of Object.entries(response.rooms?.join ?? {})) {
    if (since && room.timeline?.limited && room.timeline.prev_batch) {
      gaps.set(roomId, await fetchGap(http, botToken, roomId, room.timeline.prev_batch, since));
      report.gapsFilled++;
    }
  }
  const evidence = evidenceOf(response, ids, at, gaps);
  if (!since) {
    // A room's first sync: its create event (dropped by /sync's room filter) says who its creators are.
    for (const room of evidence) Object.assign(room, await fetchCreate(input.admin, room.roomId));
  }
  const presence = presenceActivities(response.presence?.events ?? [], at);
  report.events += evidence.reduce((sum, room) => sum + room.activities.length, 0) + presence.length;
  const memberships = await resolveMemberships(input, evidence, at, report);
  write(ledger, { evidence, memberships, presence }, since ? [] : rooms, at, keepToken ? response.next_batch : undefined);
  const rejoined = (room: RoomEvidence) => room.memberChanges.some((change) => change.userId === input.botUserId && change.membership === "join" && change.prevMembership !== "join");
  return since ? evidence.filter(rejoined).map((room) => room.roomId) : [];
}

export async function observe(input: ObserveInput): Promise<ObservationReport> {
  const { ledger, scope } = input;
  const at = input.now();
  const joined = await fetchJoinedRooms(input.http, input.botToken);
  const observed = scope.filter((room) => joined.has(room.roomId));
  const observedIds = new Set(observed.map((room) => room.roomId));
  const since = ledger.meta("since");
  // Rooms the bot left or that left the scope are forgotten: if they return, their tracking starts again.
  const gone = ledger.rooms().filter((room) => !observedIds.has(room.roomId) || !since);
  if (gone.length) ledger.transaction(() => gone.forEach((room) => ledger.dropRoom(room.roomId)));
  const known = new Set(ledger.rooms().map((room) => room.roomId));
  let fresh = observed.filter((room) => !known.has(room.roomId));
  const report: ObservationReport = {
    at,
    rooms: { observed: observed.length, started: fresh.map((room) => room.roomId), unobserved: scope.filter((room) => !joined.has(room.roomId)).map((room) => room.roomId) },
    incremental: Boolean(since && known.size),
    events: 0,
    gapsFilled: 0,
    joinTimesLookedUp: 0,
  };
  if (report.incremental) {
    const rejoined = new Set(await syncAndRecord(input, observed.filter((room) => known.has(room.roomId)), since, true, report));
    if (rejoined.size) {
      ledger.transaction(() => rejoined.forEach((roomId) => ledger.dropRoom(roomId)));
      fresh = [...fresh, ...observed.filter((room) => rejoined.has(room.roomId))];
      report.rooms.started.push(...rejoined);
    }
  }
  // The incremental sync's token is where the next run continues; without one, the first full sync's.
  if (fresh.length) await syncAndRecord(input, fresh, undefined, !report.incremental, report);
  // Recording the same activity again changes nothing (the newest time per user and kind is kept).
  const fetched = (input.fetchedActivity ?? []).filter((activity) => activity.roomId !== undefined && observedIds.has(activity.roomId));
  if (fetched.length) ledger.transaction(() => fetched.forEach((activity) => ledger.recordActivity({ ...activity, ts: Math.min(activity.ts, at) })));
  report.events += fetched.length;
  return report;
}
