/**
 * The vocabulary `mxhome kick` shares between its pure core (evidence,
 * decision, power levels) and its effectful shell (sync, ledger, kicks).
 * Times are milliseconds since the epoch throughout.
 */

/** Where a piece of activity evidence came from. */
export type ActivitySource =
  | "message" // m.room.message, m.room.encrypted, m.sticker and other timeline events
  | "reaction"
  | "edit"
  | "state" // state events the user sent: profile changes, topics, invites they made…
  | "join"
  | "receipt" // the `ts` of their read receipt
  | "presence" // now − last_active_ago
  | "last-seen"; // the admin API's last_seen_ts (local users)

export interface Activity {
  userId: string;
  source: ActivitySource;
  ts: number;
  roomId?: string;
}

export type Membership = "join" | "invite";

/** A member of one scope room, as the ledger knows them. */
export interface RoomMembership {
  roomId: string;
  membership: Membership;
  /** When they joined (the membership event whose previous membership was not join) or were invited. */
  since: number;
  /** When the ledger first saw this membership: evidence for it is complete from here on. */
  firstObserved: number;
}

/** The room's power levels, as far as kicking is concerned. */
export interface PowerLevels {
  users: Record<string, number>;
  usersDefault: number;
  kick: number;
  invite: number;
  /** Level needed to change m.room.power_levels. */
  powerLevelsEvent: number;
  /** Room version 12+: the creators, who stand above every power level and cannot be kicked. */
  creators: string[];
}

/** One room of the kick scope. */
export interface ScopeRoom {
  roomId: string;
  /** A Space (room type m.space): kicked from after its child rooms. */
  isSpace: boolean;
  name?: string;
}

/** Everything the decision needs about one member of the scope. */
export interface MemberEvidence {
  userId: string;
  /** On this homeserver (only local users can be server admins or have last_seen_ts). */
  local: boolean;
  memberships: RoomMembership[];
  /** Their newest activity anywhere in the scope. */
  lastActivity?: Activity;
  /** The highest power level they hold in any scope room (Infinity for a room creator). */
  maxLevel: number;
  /** Local users only; undefined until the admin API was asked. */
  serverAdmin?: boolean;
}

export interface KickPolicy {
  afterDays: number;
  exemptPowerLevel: number;
  /** `[kick] exempt_users`: user ids, * is a wildcard. */
  exemptUsers: string[];
  /** The bot and mxhome's service account: never proposed. */
  protectedUsers: string[];
  /** The human admin (`[server] admin_user`): never proposed, kept for a reason of its own. */
  adminUser: string;
  /** Also propose members who were invited long ago and never joined. */
  revokeInvites: boolean;
}
