import type { RoomSnapshot } from "./snapshot.ts";

/**
 * Pure power-level arithmetic (spec: "m.room.power_levels", and room
 * version 12's creators, who stand above every level and can't be lowered).
 */
export const moderatorLevel = 50;

/** "example.org:8448" from "@alice:example.org:8448". */
export function serverOf(userId: string): string {
  return userId.slice(userId.indexOf(":") + 1);
}

const versionNumber = (version: string) => (/^\d+$/.test(version) ? Number(version) : undefined);

/** Room version 12 (and the hydra test versions before it): creators have unlimited power. */
export function creatorsHavePower(roomVersion: string): boolean {
  const number = versionNumber(roomVersion);
  return number !== undefined ? number >= 12 : roomVersion.startsWith("org.matrix.hydra");
}

/** Restricted join rules ("members of a Space may join") arrived in room version 8. */
export function supportsRestrictedJoins(roomVersion: string): boolean {
  const number = versionNumber(roomVersion);
  return number !== undefined && number >= 8;
}

/** A user's level in the room; Infinity for a creator where creators have unlimited power. */
export function userLevel(room: RoomSnapshot, userId: string): number {
  if (creatorsHavePower(room.roomVersion) && room.creators.includes(userId)) return Number.POSITIVE_INFINITY;
  const levels = room.powerLevels;
  // Without a power_levels event the creator has 100 and everyone else 0 (spec).
  if (!levels) return room.creators[0] === userId ? 100 : 0;
  return Number(levels.users?.[userId] ?? levels.users_default ?? 0);
}

/** The level an action needs (`kick`, `ban`, `invite`, `redact`: 50 by default when unset, as the spec says). */
export function actionLevel(room: RoomSnapshot, action: "kick" | "ban" | "invite" | "redact"): number {
  const value = room.powerLevels?.[action];
  return typeof value === "number" ? value : action === "invite" ? 0 : 50;
}

/** The level needed to send a state event of this type. */
export function stateEventLevel(room: RoomSnapshot, type: string): number {
  const levels = room.powerLevels;
  return Number(levels?.events?.[type] ?? levels?.state_default ?? (levels ? 50 : 0));
}

/**
 * The level the kick bot needs, and no more: the room's kick level, and at
 * least the level of every member it may remove (members at or above
 * `[kick] exempt_power_level` are never removed). The same rule as the
 * doctor's bot-membership check.
 */
export function neededBotLevel(room: RoomSnapshot, exemptPowerLevel: number): number {
  return Math.max(actionLevel(room, "kick"), exemptPowerLevel);
}

/** Users with an explicit level other than users_default, plus the creators where they hold unlimited power; highest first. */
export function privilegedUsers(room: RoomSnapshot): { userId: string; level: number }[] {
  const users = new Set([...Object.keys(room.powerLevels?.users ?? {}), ...(creatorsHavePower(room.roomVersion) ? room.creators : [])]);
  const usersDefault = Number(room.powerLevels?.users_default ?? 0);
  return [...users]
    .map((userId) => ({ userId, level: userLevel(room, userId) }))
    .filter((entry) => entry.level !== usersDefault)
    .sort((a, b) => b.level - a.level || a.userId.localeCompare(b.userId));
}

/** `@me:other.org` or a glob like `@*:other.org` (`*` matches anything). */
export function matchesUserPattern(pattern: string, userId: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return regex.test(userId);
}

export function formatLevel(level: number): string {
  return level === Number.POSITIVE_INFINITY ? "creator (above 100)" : String(level);
}
