import { randomUUID } from "node:crypto";
import type { SynapseHttp } from "../synapse/http.ts";
import type { SyncEvent } from "./evidence.ts";

/**
 * The bot's view of the scope through the client-server API: a /sync
 * filtered to the scope rooms and trimmed to the fields the evidence needs,
 * continued from a stored since-token, so a run costs what changed since
 * the last one. A timeline that overflowed (`limited`) is filled from
 * /messages back to the token, so no event between two runs goes unseen.
 */
export interface SyncRoom {
  state?: { events?: SyncEvent[] };
  timeline?: { events?: SyncEvent[]; limited?: boolean; prev_batch?: string };
  ephemeral?: { events?: SyncEvent[] };
}

export interface SyncResponse {
  next_batch: string;
  rooms?: { join?: Record<string, SyncRoom> };
  presence?: { events?: SyncEvent[] };
}

/** Only what evidence.ts reads: who, when, membership, power levels, the create event, edits. */
export const eventFields = [
  "type",
  "sender",
  "origin_server_ts",
  "state_key",
  "content.membership",
  "content.m\\.relates_to.rel_type",
  "content.users",
  "content.users_default",
  "content.kick",
  "content.invite",
  "content.state_default",
  "content.events",
  "content.room_version",
  "content.additional_creators",
  "content.type",
  "unsigned.prev_content.membership",
  "unsigned.replaces_state",
];

/** The first sync of a room needs its members (all of them: no lazy loading), not its history. */
export const initialTimelineLimit = 10;
/** Between two daily runs; more than this per room is fetched from /messages. */
export const incrementalTimelineLimit = 200;

const requestIdKey = "org.mxhome.request_id";

/**
 * The filter of one /sync. `requestId` makes every request unique: Synapse
 * answers a byte-identical /sync (same user, device, filter, since-token and
 * timeout) from its response cache for two minutes
 * (`sync_response_cache_duration`), so a ledger rebuilt within two minutes of
 * a full sync of the same rooms would record that older answer — members
 * removed since, joins missing. Filters accept keys they don't know
 * (forward compatibility), and this namespaced one changes nothing else.
 */
export function syncFilter(rooms: readonly string[], timelineLimit: number, requestId: string): Record<string, unknown> {
  return {
    [requestIdKey]: requestId,
    event_fields: eventFields,
    account_data: { types: [] },
    presence: { types: ["m.presence"] },
    room: {
      rooms,
      include_leave: false,
      account_data: { types: [] },
      ephemeral: { types: ["m.receipt"] },
      state: { lazy_load_members: false },
      timeline: { limit: timelineLimit },
    },
  };
}

export async function fetchSync(http: SynapseHttp, token: string, rooms: readonly string[], since?: string): Promise<SyncResponse> {
  const filter = syncFilter(rooms, since ? incrementalTimelineLimit : initialTimelineLimit, randomUUID());
  // set_presence=offline: the bot's runs must not make it look online (nor count as anyone's activity).
  const query: Record<string, string | number> = { timeout: 0, set_presence: "offline", filter: JSON.stringify(filter) };
  if (since) query.since = since;
  return http.request<SyncResponse>("GET", "/_matrix/client/v3/sync", { token, query });
}

/** The events a limited timeline left out, oldest first: /messages backwards from `from` to the since-token. */
export async function fetchGap(http: SynapseHttp, token: string, roomId: string, from: string, to: string): Promise<SyncEvent[]> {
  const events: SyncEvent[] = [];
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`;
  for (let page: string | undefined = from; page; ) {
    const answer: { chunk?: SyncEvent[]; end?: string; state?: SyncEvent[] } = await http.request("GET", path, {
      token,
      query: { dir: "b", from: page, to, limit: 1000, filter: JSON.stringify({ lazy_load_members: false }) },
    });
    const chunk = answer.chunk ?? [];
    events.push(...chunk);
    page = chunk.length > 0 ? answer.end : undefined;
  }
  return events.reverse();
}

export async function fetchJoinedRooms(http: SynapseHttp, token: string): Promise<Set<string>> {
  return new Set((await http.request<{ joined_rooms: string[] }>("GET", "/_matrix/client/v3/joined_rooms", { token })).joined_rooms);
}
