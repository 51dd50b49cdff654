import { creatorsHavePower } from "../space/power.ts";
import type { PowerLevels } from "./types.ts";

/**
 * Power levels, as the spec's authorization rules use them for kicks:
 * kicking needs the room's `kick` level and a level above the target's.
 * In room version 12 and later (MSC4289) the creators stand above every
 * level and are not listed in `users`.
 */
type Json = Record<string, unknown>;

export interface CreateContent {
  sender: string;
  roomVersion?: string;
  additionalCreators?: string[];
}

/** Old room versions allowed levels as strings ("50"). */
function numberOr(value: unknown, fallback: number): number {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : fallback;
}

/** The spec's defaults apply to missing keys; without any power_levels event the creator has 100. */
export function parsePowerLevels(content: Json | undefined, create: CreateContent | undefined): PowerLevels {
  const creators = create && creatorsHavePower(create.roomVersion ?? "1") ? [create.sender, ...(create.additionalCreators ?? [])] : [];
  const rawUsers = (content?.users ?? {}) as Json;
  const users: Record<string, number> = {};
  for (const [user, level] of Object.entries(rawUsers)) users[user] = numberOr(level, 0);
  if (!content && create && creators.length === 0) users[create.sender] = 100;
  const events = (content?.events ?? {}) as Json;
  return {
    users,
    usersDefault: numberOr(content?.users_default, 0),
    kick: numberOr(content?.kick, 50),
    invite: numberOr(content?.invite, 0),
    powerLevelsEvent: numberOr(events["m.room.power_levels"], numberOr(content?.state_default, 50)),
    creators,
  };
}

export function userLevel(levels: PowerLevels, userId: string): number {
  if (levels.creators.includes(userId)) return Number.POSITIVE_INFINITY;
  return levels.users[userId] ?? levels.usersDefault;
}

/** Whether `actor` may kick `target`: the room's kick level, and strictly above the target. */
export function canKick(levels: PowerLevels, actor: string, target: string): boolean {
  const level = userLevel(levels, actor);
  return level >= levels.kick && level > userLevel(levels, target);
}

/**
 * The level the bot needs in a room: the room's kick level, and the exempt
 * level, since it must outrank every member it may remove (all of whom are
 * below that level). With the defaults that is exactly 50 — the level
 * `mxhome space` gives it and doctor's bot-membership check expects.
 */
export function neededBotLevel(levels: PowerLevels, exemptPowerLevel: number): number {
  return Math.max(levels.kick, exemptPowerLevel);
}
