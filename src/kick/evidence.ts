import type { CreateContent } from "./power.ts";
import type { Activity, ActivitySource, RoomMembership } from "./types.ts";

/**
 * Turns what the bot's /sync returns into evidence: who did something
 * when, and who is a member since when. Pure; the observed-at time is an
 * argument, and no timestamp is taken to be later than it (a remote
 * server's clock cannot push anyone's activity into the future).
 */
export interface SyncEvent {
  type: string;
  sender?: string;
  origin_server_ts?: number;
  state_key?: string;
  event_id?: string;
  content?: Record<string, any>;
  unsigned?: { prev_content?: { membership?: string }; replaces_state?: string };
}

export interface MemberChange {
  userId: string;
  membership: string;
  ts: number;
  prevMembership?: string;
  /** The membership event this one replaced; followed back to find a join time. */
  replacesState?: string;
}

export interface RoomEvidence {
  roomId: string;
  activities: Activity[];
  /** In the order they happened: state before the timeline, the timeline in order. */
  memberChanges: MemberChange[];
  powerLevels?: Record<string, unknown>;
  create?: CreateContent;
  roomType?: string;
}

export interface RoomSections {
  state?: SyncEvent[];
  timeline?: SyncEvent[];
  ephemeral?: SyncEvent[];
}

/** What kind of activity an event is, from its sender's side; any other timeline event (m.room.message, m.room.encrypted, m.sticker, redactions…) is a message. */
export function classifyEvent(event: SyncEvent): ActivitySource {
  if (event.type === "m.reaction") return "reaction";
  if (event.content?.["m.relates_to"]?.rel_type === "m.replace") return "edit";
  if (event.type === "m.room.member" && event.sender === event.state_key && event.content?.membership === "join") {
    return event.unsigned?.prev_content?.membership === "join" ? "state" : "join";
  }
  if (event.state_key !== undefined) return "state";
  return "message";
}

/** Read receipts: `{event id: {m.read: {user: {ts}}}}`; every receipt type the bot can see counts. */
export function receiptActivities(roomId: string, content: Record<string, any>, observedAt: number): Activity[] {
  const activities: Activity[] = [];
  for (const byType of Object.values(content ?? {})) {
    for (const byUser of Object.values((byType ?? {}) as Record<string, any>)) {
      for (const [userId, receipt] of Object.entries((byUser ?? {}) as Record<string, { ts?: number }>)) {
        if (typeof receipt?.ts === "number") activities.push({ userId, source: "receipt", ts: Math.min(receipt.ts, observedAt), roomId });
      }
    }
  }
  return activities;
}

/** Presence, where the server has it on: active `last_active_ago` ms before the sync. */
export function presenceActivities(events: SyncEvent[], observedAt: number): Activity[] {
  return events.flatMap((event) => {
    const ago = event.content?.last_active_ago;
    if (event.type !== "m.presence" || !event.sender || typeof ago !== "number") return [];
    return [{ userId: event.sender, source: "presence" as const, ts: observedAt - Math.max(0, ago) }];
  });
}

export function extractRoomEvidence(roomId: string, sections: RoomSections, observedAt: number): RoomEvidence {
  const evidence: RoomEvidence = { roomId, activities: [], memberChanges: [] };
  for (const event of [...(sections.state ?? []), ...(sections.timeline ?? [])]) {
    const ts = Math.min(event.origin_server_ts ?? observedAt, observedAt);
    if (event.sender) evidence.activities.push({ userId: event.sender, source: classifyEvent(event), ts, roomId });
    if (event.state_key === undefined) continue;
    if (event.type === "m.room.member") {
      evidence.memberChanges.push({
        userId: event.state_key,
        membership: String(event.content?.membership ?? "leave"),
        ts,
        prevMembership: event.unsigned?.prev_content?.membership,
        replacesState: event.unsigned?.replaces_state,
      });
    } else if (event.type === "m.room.power_levels" && event.state_key === "") {
      evidence.powerLevels = event.content ?? {};
    } else if (event.type === "m.room.create" && event.state_key === "" && event.sender) {
      const content = event.content ?? {};
      evidence.create = { sender: event.sender, roomVersion: content.room_version, additionalCreators: content.additional_creators };
      evidence.roomType = content.type;
    }
  }
  for (const event of sections.ephemeral ?? []) {
    if (event.type === "m.receipt") evidence.activities.push(...receiptActivities(roomId, event.content ?? {}, observedAt));
  }
  return evidence;
}

export interface MembershipUpdate {
  /** The membership after the change; undefined when they are no longer joined or invited. */
  next?: RoomMembership;
  /** A profile change of a member the ledger did not know: follow this event back to their join. */
  walkFrom?: string;
}

/** How one membership event changes what the ledger holds for that member of that room. */
export function applyMemberChange(roomId: string, existing: RoomMembership | undefined, change: MemberChange, observedAt: number): MembershipUpdate {
  const firstObserved = existing?.firstObserved ?? observedAt;
  if (change.membership === "invite") return { next: { roomId, membership: "invite", since: change.ts, firstObserved } };
  if (change.membership !== "join") return {};
  if (change.prevMembership !== "join") return { next: { roomId, membership: "join", since: change.ts, firstObserved } };
  // A profile change: the join time stays what it was.
  if (existing?.membership === "join") return { next: existing };
  return { next: { roomId, membership: "join", since: change.ts, firstObserved }, walkFrom: change.replacesState };
}
