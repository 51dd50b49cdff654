/**
 * Plain shapes of the Matrix client-server API that mxhome reads and writes
 * (spec: client-server API, "Rooms", "Spaces"). No matrix-js-sdk import, so
 * pure modules can use them without loading the SDK.
 */
export type JsonObject = Record<string, unknown>;

export interface StateEvent {
  type: string;
  state_key: string;
  content: JsonObject;
  sender?: string;
  event_id?: string;
  origin_server_ts?: number;
}

/** A state event to send at room creation (`initial_state`). */
export interface InitialStateEvent {
  type: string;
  state_key: string;
  content: JsonObject;
}

/** The body of POST /_matrix/client/v3/createRoom. */
export interface CreateRoomRequest {
  name?: string;
  topic?: string;
  /** Localpart of an alias on this server (`#<localpart>:<server>`). */
  room_alias_name?: string;
  visibility?: "private" | "public";
  preset?: "private_chat" | "public_chat" | "trusted_private_chat";
  room_version?: string;
  creation_content?: JsonObject;
  initial_state?: InitialStateEvent[];
  power_level_content_override?: JsonObject;
  invite?: string[];
}

/** One room of GET /_matrix/client/v1/rooms/{roomId}/hierarchy. */
export interface HierarchyRoom {
  room_id: string;
  name?: string;
  canonical_alias?: string;
  room_type?: string;
  join_rule?: string;
  num_joined_members: number;
  world_readable?: boolean;
  guest_can_join?: boolean;
  /** The room's `m.space.child` events (stripped: no event id). */
  children_state: StateEvent[];
}

/** `m.room.power_levels` content as sent; every key optional (spec defaults apply). */
export interface PowerLevelsContent {
  users?: Record<string, number>;
  users_default?: number;
  events?: Record<string, number>;
  events_default?: number;
  state_default?: number;
  ban?: number;
  kick?: number;
  redact?: number;
  invite?: number;
  [key: string]: unknown;
}

export interface RoomVersions {
  /** The server's `default_room_version`. */
  default: string;
  /** Version → "stable" | "unstable". */
  available: Record<string, string>;
}
