import type { AdminRoom } from "./api.ts";

/**
 * Dead rooms: no local user is joined (mxhome's own service and bot accounts
 * are local users, so the Space and every room of the kick scope are never
 * dead). Pure: the room list, the authoritative local memberships and the
 * config in; the rooms to delete and what to do about them out.
 */
export interface DeadRoom {
  roomId: string;
  name: string | null;
  alias: string | null;
  /** Members from other servers still joined. */
  remoteMembers: number;
}

export interface DeadRoomInputs {
  rooms: AdminRoom[];
  /** Rooms where a local user is joined, invited or knocking (local_current_membership). */
  withLocalMembers: ReadonlySet<string>;
  /** Room ids or aliases mxhome.toml names (the kick scope and its extra rooms): never deleted. */
  protectedRooms: readonly string[];
}

/** Rooms the room list shows without a joined local member: to be checked against the database before deleting. */
export const deadRoomCandidates = (rooms: AdminRoom[]) => rooms.filter((room) => room.joined_local_members === 0).map((room) => room.room_id);

export function findDeadRooms(inputs: DeadRoomInputs): DeadRoom[] {
  const named = new Set(inputs.protectedRooms);
  return inputs.rooms
    .filter((room) => room.joined_local_members === 0 && !inputs.withLocalMembers.has(room.room_id))
    .filter((room) => !named.has(room.room_id) && !(room.canonical_alias && named.has(room.canonical_alias)))
    .map((room) => ({ roomId: room.room_id, name: room.name, alias: room.canonical_alias, remoteMembers: room.joined_members }));
}

/**
 * - delete: go ahead (confirmed on an earlier run, or --yes now, which is then remembered)
 * - ask: list them and ask (interactive real runs only)
 * - needs-confirmation: the first run ever, nobody to ask and no --yes: keep them, say how to confirm
 *   (a dry run lists them as planned and says the same)
 * - disabled: `[retention] purge_dead_rooms = false`
 * - none: there are no dead rooms
 */
export type DeadRoomDecision = "delete" | "ask" | "needs-confirmation" | "disabled" | "none";

export interface DecisionInputs {
  enabled: boolean;
  count: number;
  confirmedBefore: boolean;
  yes: boolean;
  interactive: boolean;
  dryRun: boolean;
}

export function decideDeadRooms(inputs: DecisionInputs): DeadRoomDecision {
  if (!inputs.enabled) return "disabled";
  if (inputs.count === 0) return "none";
  if (inputs.confirmedBefore || inputs.yes) return "delete";
  return inputs.interactive && !inputs.dryRun ? "ask" : "needs-confirmation";
}
