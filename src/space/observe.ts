import type { StateEvent } from "../matrix/types.ts";
import type { SynapseAdmin } from "../synapse/admin.ts";
import { isSpace, type RoomSnapshot, snapshotRoom } from "./snapshot.ts";

/**
 * Reads a Space and every room below it. State comes through the admin API
 * as mxhome's service account, which needs no membership, so `show` and
 * `doctor` see rooms the admin left too.
 */
export type StateReader = (roomId: string) => Promise<StateEvent[]>;

export function adminStateReader(admin: SynapseAdmin): StateReader {
  return async (roomId) => (await admin.request<{ state: StateEvent[] }>("GET", `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/state`)).state;
}

export interface TreeRoom extends RoomSnapshot {
  /** The Space this room was reached from. */
  parentId: string;
  depth: number;
}

export interface SpaceTree {
  space: RoomSnapshot;
  /** Every room below the Space, depth first, in the order the Space lists them. */
  rooms: TreeRoom[];
  /** Children that could not be read (a room this server is not in, say). */
  unreadable: { roomId: string; parentId: string; error: string }[];
}

const maxDepth = 5;

/** A room's snapshot; a room with no state here (this server left it) is an error. */
export async function readSnapshot(read: StateReader, roomId: string): Promise<RoomSnapshot> {
  const events = await read(roomId);
  if (events.length === 0) throw new Error(`this server has no state for ${roomId} (it is not in the room)`);
  return snapshotRoom(roomId, events);
}

export async function observeSpaceTree(read: StateReader, spaceId: string): Promise<SpaceTree> {
  const space = await readSnapshot(read, spaceId);
  const tree: SpaceTree = { space, rooms: [], unreadable: [] };
  const seen = new Set([spaceId]);
  const visit = async (parent: RoomSnapshot, depth: number): Promise<void> => {
    const children = parent.children.filter((child) => !seen.has(child.roomId));
    for (const child of children) seen.add(child.roomId);
    const snapshots = await Promise.all(
      children.map((child) =>
        readSnapshot(read, child.roomId).catch((error: Error) => ({ error: error.message })),
      ),
    );
    for (const [index, snapshot] of snapshots.entries()) {
      const roomId = children[index]!.roomId;
      if ("error" in snapshot) {
        tree.unreadable.push({ roomId, parentId: parent.roomId, error: snapshot.error });
        continue;
      }
      tree.rooms.push({ ...snapshot, parentId: parent.roomId, depth });
      if (isSpace(snapshot) && depth < maxDepth) await visit(snapshot, depth + 1);
    }
  };
  await visit(space, 1);
  return tree;
}

/** The Space and every room below it. */
export const allRooms = (tree: SpaceTree): RoomSnapshot[] => [tree.space, ...tree.rooms];
