import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { openSpaceActors } from "./actors.ts";
import { matrixToLink } from "./describe.ts";
import { adminStateReader, observeSpaceTree, type SpaceTree } from "./observe.ts";
import { privilegedUsers, serverOf } from "./power.ts";
import { isSpace, joinedMembers, restrictedTo, type RoomSnapshot } from "./snapshot.ts";
import { requireSpaceState } from "./state.ts";

/** `space show`: the tree with each room's rules, members and power, and the rooms that go dark when this PC is off. */
export interface ShownRoom {
  roomId: string;
  name?: string;
  alias?: string;
  kind: "space" | "room";
  /** 0 for the Space, 1 for its rooms, 2 below a sub-Space… */
  depth: number;
  joinRule: string;
  /** For rooms: whether the join rule admits exactly the Space's members. */
  restrictedToSpace?: boolean;
  encrypted: boolean;
  historyVisibility: string;
  members: { joined: number; invited: number; joinedFromOtherServers: number; otherServers: string[] };
  powerLevels: { userId: string; level: number | "creator" }[];
  /** No member from another homeserver has joined: while this PC is off, nobody can reach the room. */
  onlyLocalMembers: boolean;
}

export interface ShowReport {
  spaceId: string;
  link: string;
  rooms: ShownRoom[];
  /** Names (or ids) of the rooms with only local members. */
  unreachableWhileOff: string[];
  unreadable: { roomId: string; error: string }[];
}

function showRoom(room: RoomSnapshot, depth: number, spaceId: string, serverName: string): ShownRoom {
  const joined = joinedMembers(room);
  const remote = joined.filter((userId) => serverOf(userId) !== serverName);
  return {
    roomId: room.roomId,
    ...(room.name ? { name: room.name } : {}),
    ...(room.canonicalAlias ? { alias: room.canonicalAlias } : {}),
    kind: isSpace(room) ? "space" : "room",
    depth,
    joinRule: room.joinRule,
    ...(depth > 0 ? { restrictedToSpace: restrictedTo(room, spaceId) } : {}),
    encrypted: Boolean(room.encryption),
    historyVisibility: room.historyVisibility,
    members: {
      joined: joined.length,
      invited: Object.values(room.members).filter((membership) => membership === "invite").length,
      joinedFromOtherServers: remote.length,
      otherServers: [...new Set(remote.map(serverOf))].sort(),
    },
    powerLevels: privilegedUsers(room).map(({ userId, level }) => ({ userId, level: level === Number.POSITIVE_INFINITY ? "creator" : level })),
    onlyLocalMembers: remote.length === 0,
  };
}

/** Pure. Each room is judged against the Space it hangs from. */
export function summarizeSpace(tree: SpaceTree, serverName: string, link: string): ShowReport {
  const rooms = [showRoom(tree.space, 0, tree.space.roomId, serverName), ...tree.rooms.map((room) => showRoom(room, room.depth, room.parentId, serverName))];
  return {
    spaceId: tree.space.roomId,
    link,
    rooms,
    unreachableWhileOff: rooms.filter((room) => room.onlyLocalMembers).map((room) => room.name ?? room.roomId),
    unreadable: tree.unreadable.map(({ roomId, error }) => ({ roomId, error })),
  };
}

export async function runSpaceShow(paths: Paths, config: Config): Promise<ShowReport> {
  const state = requireSpaceState(paths);
  const actors = openSpaceActors(paths, config);
  const tree = await observeSpaceTree(adminStateReader(actors.admin), state.spaceId);
  return summarizeSpace(tree, actors.serverName, matrixToLink(state.spaceId, tree.space.canonicalAlias, actors.serverName));
}
