/** Room snapshots and Space trees as the admin API would let mxhome see them, built from a few fields. */
import type { PowerLevelsContent } from "../../../src/matrix/types.ts";
import type { SpaceTree, TreeRoom } from "../../../src/space/observe.ts";
import type { SpacePolicy } from "../../../src/space/plan.ts";
import type { RoomSnapshot } from "../../../src/space/snapshot.ts";
import type { SpaceObservation } from "../../../src/space/facts.ts";

export const server = "pc.tail1234.ts.net";
export const owner = `@admin:${server}`;
export const bot = `@mxhome-bot:${server}`;
export const spaceId = "!space:pc.tail1234.ts.net";

export const policy = (fields: Partial<SpacePolicy> = {}): SpacePolicy => ({ serverName: server, owner, bot, exemptPowerLevel: 50, roomVersion: "12", ...fields });

export const levels = (users: Record<string, number>, fields: Partial<PowerLevelsContent> = {}): PowerLevelsContent => ({
  users,
  users_default: 0,
  events: { "m.room.power_levels": 100 },
  state_default: 50,
  kick: 50,
  ban: 50,
  invite: 50,
  redact: 50,
  ...fields,
});

/** A converged room (version 12, the owner its creator, the bot joined at 50), with fields changed. */
export function room(roomId: string, fields: Partial<RoomSnapshot> = {}): RoomSnapshot {
  return {
    roomId,
    roomVersion: "12",
    creators: [owner],
    name: roomId.slice(1, roomId.indexOf(":")),
    joinRule: "restricted",
    allow: [{ type: "m.room_membership", room_id: spaceId }],
    encryption: "m.megolm.v1.aes-sha2",
    historyVisibility: "shared",
    guestAccess: "forbidden",
    powerLevels: levels({ [bot]: 50 }),
    members: { [owner]: "join", [bot]: "join" },
    children: [],
    parents: [{ roomId: spaceId, via: [server], canonical: true }],
    ...fields,
  };
}

export function space(fields: Partial<RoomSnapshot> = {}, children: string[] = []): RoomSnapshot {
  return room(spaceId, {
    name: "Family",
    roomType: "m.space",
    joinRule: "invite",
    allow: [],
    encryption: undefined,
    canonicalAlias: `#family:${server}`,
    parents: [],
    children: children.map((roomId) => ({ roomId, via: [server] })),
    ...fields,
  });
}

export function tree(spaceFields: Partial<RoomSnapshot>, rooms: RoomSnapshot[]): SpaceTree {
  return {
    space: space(spaceFields, rooms.map((child) => child.roomId)),
    rooms: rooms.map((child): TreeRoom => ({ ...child, parentId: spaceId, depth: 1 })),
    unreadable: [],
  };
}

export const observation = (spaceTree: SpaceTree, fields: Partial<SpaceObservation> = {}): SpaceObservation => ({
  serverName: server,
  owner,
  bot,
  exemptPowerLevel: 50,
  trusted: [],
  tree: spaceTree,
  ...fields,
});
