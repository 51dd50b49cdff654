import type { Config } from "../config/schema.ts";
import type { KickScopeRoot } from "../space/state.ts";
import type { SynapseAdmin } from "../synapse/admin.ts";
import type { ScopeRoom } from "./types.ts";

/**
 * The rooms `mxhome kick` works on: a Space and all its child rooms (found
 * recursively with the admin API's hierarchy, which sees every room on this
 * server whether or not the bot is in it yet), or one explicit room or
 * alias, plus `[kick] rooms`. Spaces come last, the root Space at the very
 * end: members are removed from child rooms before the Space itself.
 */
export interface KickScope {
  /** The Space (or room) `[kick] scope` names, resolved to an id. */
  root?: string;
  rooms: ScopeRoom[];
  /** Why there is nothing to work on, e.g. no Space was created yet. */
  unresolved?: string;
}

interface HierarchyRoom {
  room_id: string;
  room_type?: string;
  name?: string;
}

export async function resolveRoomId(admin: SynapseAdmin, room: string): Promise<string> {
  if (room.startsWith("!")) return room;
  const path = `/_matrix/client/v3/directory/room/${encodeURIComponent(room)}`;
  return (await admin.request<{ room_id: string }>("GET", path)).room_id;
}

/** Every room under `root` on this server, the root first (remote rooms the server is not in are left out). */
export async function roomHierarchy(admin: SynapseAdmin, root: string): Promise<ScopeRoom[]> {
  const rooms: ScopeRoom[] = [];
  const path = `/_synapse/admin/v1/rooms/${encodeURIComponent(root)}/hierarchy`;
  let from: string | undefined;
  do {
    const page: { rooms: HierarchyRoom[]; next_batch?: string } = await admin.request("GET", path, { query: { limit: 100, ...(from ? { from } : {}) } });
    for (const room of page.rooms) rooms.push({ roomId: room.room_id, isSpace: room.room_type === "m.space", ...(room.name ? { name: room.name } : {}) });
    from = page.next_batch;
  } while (from);
  return rooms;
}

/** Children first, Spaces after them, the root last. */
export function orderForRemoval(rooms: readonly ScopeRoom[], root: string | undefined): ScopeRoom[] {
  const rank = (room: ScopeRoom) => (room.roomId === root ? 2 : room.isSpace ? 1 : 0);
  return [...rooms].sort((a, b) => rank(a) - rank(b));
}

/** The scope's rooms from where `[kick] scope` starts (src/space/state.ts resolveKickScopeRoot) and `[kick] rooms`. */
export async function resolveKickScope(admin: SynapseAdmin, config: Config, start: KickScopeRoot): Promise<KickScope> {
  const extra = config.kick.rooms;
  if (start.kind === "missing" && extra.length === 0) return { rooms: [], unresolved: start.reason };
  const root = start.kind === "space" ? start.roomId : start.kind === "configured" ? await resolveRoomId(admin, start.room) : undefined;
  const starts = [...(root ? [root] : []), ...(await Promise.all(extra.map((room) => resolveRoomId(admin, room))))];
  const found = new Map<string, ScopeRoom>();
  for (const from of starts) for (const room of await roomHierarchy(admin, from)) if (!found.has(room.roomId)) found.set(room.roomId, room);
  return { ...(root ? { root } : {}), rooms: orderForRemoval([...found.values()], root) };
}
