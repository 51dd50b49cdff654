import type { JsonObject, PowerLevelsContent, StateEvent } from "../matrix/types.ts";

/**
 * Pure: a room's current state events, read once, as the facts mxhome judges
 * and plans from. Works on what the admin API's `rooms/<id>/state` and the
 * client API's `/state` both answer.
 */
export type Membership = "join" | "invite" | "leave" | "ban" | "knock";

export interface SpaceLink {
  roomId: string;
  via: string[];
  canonical?: boolean;
}

export interface RoomSnapshot {
  roomId: string;
  /** From m.room.create; "1" when absent, as the spec says. */
  roomVersion: string;
  /** "m.space" for a Space. */
  roomType?: string;
  /** The sender of m.room.create and `additional_creators` (room version 12+ gives them unlimited power). */
  creators: string[];
  name?: string;
  canonicalAlias?: string;
  joinRule: string;
  /** `allow` of a restricted join rule. */
  allow: { type: string; room_id?: string }[];
  /** The m.room.encryption algorithm, when encryption is on. */
  encryption?: string;
  historyVisibility: string;
  guestAccess: string;
  /** m.room.power_levels as sent (undefined when the room has none). */
  powerLevels?: PowerLevelsContent;
  members: Record<string, Membership>;
  /** m.space.child links with a non-empty `via` (an empty one is a removed child). */
  children: SpaceLink[];
  /** m.space.parent links with a non-empty `via`. */
  parents: SpaceLink[];
}

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);

export function snapshotRoom(roomId: string, events: StateEvent[]): RoomSnapshot {
  const find = (type: string, stateKey = "") => events.find((event) => event.type === type && event.state_key === stateKey)?.content as JsonObject | undefined;
  const create = events.find((event) => event.type === "m.room.create" && event.state_key === "");
  const createContent = (create?.content ?? {}) as JsonObject;
  const creator = create?.sender ?? (typeof createContent.creator === "string" ? createContent.creator : undefined);
  const joinRules = find("m.room.join_rules") ?? {};
  const links = (type: string) =>
    events
      .filter((event) => event.type === type && stringsOf(event.content.via).length > 0)
      .map((event) => ({ roomId: event.state_key, via: stringsOf(event.content.via), ...(event.content.canonical === true ? { canonical: true } : {}) }));
  const members: Record<string, Membership> = {};
  for (const event of events) {
    if (event.type === "m.room.member" && typeof event.content.membership === "string") members[event.state_key] = event.content.membership as Membership;
  }
  const encryption = find("m.room.encryption")?.algorithm;
  const name = find("m.room.name")?.name;
  const alias = find("m.room.canonical_alias")?.alias;
  return {
    roomId,
    roomVersion: typeof createContent.room_version === "string" ? createContent.room_version : "1",
    ...(typeof createContent.type === "string" ? { roomType: createContent.type } : {}),
    creators: [...new Set([...(creator ? [creator] : []), ...stringsOf(createContent.additional_creators)])],
    ...(typeof name === "string" && name !== "" ? { name } : {}),
    ...(typeof alias === "string" ? { canonicalAlias: alias } : {}),
    joinRule: typeof joinRules.join_rule === "string" ? joinRules.join_rule : "invite",
    allow: Array.isArray(joinRules.allow) ? (joinRules.allow as { type: string; room_id?: string }[]) : [],
    ...(typeof encryption === "string" ? { encryption } : {}),
    historyVisibility: String(find("m.room.history_visibility")?.history_visibility ?? "shared"),
    guestAccess: String(find("m.room.guest_access")?.guest_access ?? "forbidden"),
    ...(find("m.room.power_levels") ? { powerLevels: find("m.room.power_levels") as PowerLevelsContent } : {}),
    members,
    children: links("m.space.child"),
    parents: links("m.space.parent"),
  };
}

/** Pure: whether the join rule lets exactly the Space's members in. */
export function restrictedTo(snapshot: RoomSnapshot, spaceId: string): boolean {
  return snapshot.joinRule === "restricted" && snapshot.allow.some((rule) => rule.type === "m.room_membership" && rule.room_id === spaceId);
}

export const isSpace = (snapshot: RoomSnapshot): boolean => snapshot.roomType === "m.space";

export const joinedMembers = (snapshot: RoomSnapshot): string[] =>
  Object.entries(snapshot.members)
    .filter(([, membership]) => membership === "join")
    .map(([userId]) => userId);
