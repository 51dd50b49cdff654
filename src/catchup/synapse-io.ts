import type { FetchError } from "ofetch";
import { forEachBounded } from "../purge/bounded.ts";
import type { SynapseAdmin } from "../synapse/admin.ts";
import type { SynapseHttp } from "../synapse/http.ts";
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
