import type { SynapseAdmin } from "../synapse/admin.ts";
import type { SyncEvent } from "./evidence.ts";
import type { CreateContent } from "./power.ts";

/**
 * What /sync can't tell, asked of the admin API (which sees every event
 * regardless of history visibility):
 * - when a member joined, if their current membership event is a profile
 *   change: follow `replaces_state` back to the event whose previous
 *   membership was not join;
 * - a room's create event: in room version 12 it has no room_id, and
 *   Synapse's /sync drops it from the state of a filter that names rooms
 *   (seen with 1.163), yet its sender is a creator who outranks everyone.
 */
const maxHops = 50;

async function fetchEvent(admin: SynapseAdmin, eventId: string): Promise<SyncEvent> {
  return (await admin.request<{ event: SyncEvent }>("GET", `/_synapse/admin/v1/fetch_event/${encodeURIComponent(eventId)}`)).event;
}

/**
 * The join time behind a profile change. `fallback` (the change's own time)
 * is kept when the chain can't be followed: the member was joined then at
 * the latest, so using it can only make their tenure look shorter.
 */
export async function walkJoinTime(admin: SynapseAdmin, replacesState: string, fallback: number): Promise<number> {
  let joinedAt = fallback;
  let next: string | undefined = replacesState;
  for (let hop = 0; next && hop < maxHops; hop++) {
    let event: SyncEvent;
    try {
      event = await fetchEvent(admin, next);
    } catch {
      return joinedAt;
    }
    if (event.content?.membership !== "join") return joinedAt;
    joinedAt = Math.min(joinedAt, event.origin_server_ts ?? joinedAt);
    next = event.unsigned?.prev_content?.membership === "join" ? event.unsigned.replaces_state : undefined;
  }
  return joinedAt;
}

type StateEvent = SyncEvent & { state_key: string };

export async function roomStateOfType(admin: SynapseAdmin, roomId: string, type: string): Promise<StateEvent[]> {
  const path = `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/state`;
  return (await admin.request<{ state: StateEvent[] }>("GET", path, { query: { type } })).state;
}

export async function fetchCreate(admin: SynapseAdmin, roomId: string): Promise<{ create?: CreateContent; roomType?: string }> {
  const event = (await roomStateOfType(admin, roomId, "m.room.create")).find((state) => state.state_key === "");
  if (!event?.sender) return {};
  const content = event.content ?? {};
  return { create: { sender: event.sender, roomVersion: content.room_version, additionalCreators: content.additional_creators }, roomType: content.type };
}
