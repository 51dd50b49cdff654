import type { FetchError } from "ofetch";
import { forEachBounded } from "../purge/bounded.ts";
import type { SynapseAdmin } from "../synapse/admin.ts";
import type { SynapseHttp } from "../synapse/http.ts";
import type { DagEvent, GapIo } from "./gaps.ts";
import type { RoomMembers } from "./targets.ts";
import type { WakeAnswer, WakeIo } from "./wake.ts";

/** The HTTP status behind an error from src/synapse/http.ts, if Synapse answered at all. */
const statusOf = (error: unknown): number | undefined => ((error as Error)?.cause as Partial<FetchError> | undefined)?.response?.status;

/**
 * 404 counts as reached: for a remote user our Synapse only says 404 when
 * that server said so (handlers/profile.py passes its answer through), and
 * its answer means it received our signed request. 502 is Synapse's "could
 * not reach it" (RequestSendFailed); 504 and no answer are timeouts.
 */
export function classifyLookup(error: unknown): WakeAnswer {
  const status = statusOf(error);
  const message = (error as Error).message.split("\n")[0] ?? String(error);
  if (status === 404) return { kind: "reached" };
  if (status === undefined || status === 502 || status === 504) return { kind: "unreachable", error: message };
  return { kind: "refused", error: message };
}

async function answer(work: () => Promise<unknown>): Promise<WakeAnswer> {
  try {
    await work();
    return { kind: "reached" };
  } catch (error) {
    return classifyLookup(error);
  }
}

/** Wake requests as the bot: nobody in the rooms sees a profile lookup. */
export function synapseWakeIo(http: SynapseHttp, botToken: string, botUserId: string): WakeIo {
  return {
    lookupProfile: (userId) => answer(() => http.request("GET", `/_matrix/client/v3/profile/${encodeURIComponent(userId)}`, { token: botToken })),
    // Started and stopped at once: "typing" shows for a moment at most.
    sendTyping: (roomId) =>
      answer(async () => {
        const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/typing/${encodeURIComponent(botUserId)}`;
        await http.request("PUT", path, { token: botToken, body: { typing: true, timeout: 1_000 } });
        await http.request("PUT", path, { token: botToken, body: { typing: false } });
      }),
    sleep: (ms) => Bun.sleep(ms),
    now: Date.now,
  };
}

interface AdminRoom {
  room_id: string;
  joined_local_members: number;
  room_type?: string | null;
}

/** Every room a local user is joined to, with its joined members (admin API: rooms, then each room's members). */
export async function listJoinedRooms(admin: SynapseAdmin, spaceRooms: ReadonlySet<string>): Promise<RoomMembers[]> {
  const rooms: AdminRoom[] = [];
  for (let from: number | undefined = 0; from !== undefined; ) {
    const page: { rooms: AdminRoom[]; next_batch?: number } = await admin.request("GET", "/_synapse/admin/v1/rooms", { query: { from, limit: 500 } });
    rooms.push(...page.rooms);
    from = page.next_batch;
  }
  const joined = rooms.filter((room) => room.joined_local_members > 0);
  const result: RoomMembers[] = new Array(joined.length);
  await forEachBounded(joined, 8, async (room, index) => {
    const { members } = await admin.request<{ members: string[] }>("GET", `/_synapse/admin/v1/rooms/${encodeURIComponent(room.room_id)}/members`);
    result[index] = { roomId: room.room_id, inSpace: spaceRooms.has(room.room_id) || room.room_type === "m.space", members };
  });
  return result;
}

/** Pages in Synapse's federation format: with `depth` and `prev_events`, which the gap judge needs. */
const federationFormat = JSON.stringify({ event_format: "federation" });
const roomPath = (roomId: string, rest: string) => `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/${rest}`;

/**
 * History reads and timestamp lookups through the admin API (mxhome's
 * service account): the same handlers as the client API's, so Synapse asks
 * the other servers and backfills as it would for a member scrolling back,
 * without a member's visibility rules in the way.
 */
export function synapseGapIo(admin: SynapseAdmin): GapIo {
  const page = async (roomId: string, from: string | undefined, limit: number) =>
    admin.request<{ chunk: DagEvent[]; end?: string }>("GET", roomPath(roomId, "messages"), { query: { dir: "b", limit, filter: federationFormat, ...(from ? { from } : {}) } });
  return {
    newest: async (roomId) => (await page(roomId, undefined, 1)).chunk[0],
    async closest(roomId, ts, dir) {
      try {
        const found = await admin.request<{ event_id: string; origin_server_ts: number }>("GET", roomPath(roomId, "timestamp_to_event"), { query: { ts, dir } });
        return { eventId: found.event_id, ts: found.origin_server_ts };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async page(roomId, from) {
      const answer = await page(roomId, from, 100);
      return { events: answer.chunk, end: answer.end };
    },
    async held(eventId) {
      try {
        await admin.request("GET", `/_synapse/admin/v1/fetch_event/${encodeURIComponent(eventId)}`);
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },
    now: Date.now,
  };
}
