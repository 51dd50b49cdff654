import type { SynapseAdmin } from "../synapse/admin.ts";
import { fetchCreate, roomStateOfType } from "./history.ts";
import { neededBotLevel, parsePowerLevels, userLevel } from "./power.ts";
import type { PowerLevels, ScopeRoom } from "./types.ts";

/**
 * The bot's standing in each scope room, read through the admin API as
 * mxhome's service account (so it works before the bot is in a room):
 * is it joined, its level, and the level it needs (power.ts). `mxhome kick
 * --setup` fixes what this finds; doctor's bot-membership check reports it.
 */
export interface RoomStanding {
  roomId: string;
  name?: string;
  isSpace: boolean;
  /** The bot is joined. */
  joined: boolean;
  botLevel: number;
  /** The room's kick level, and above every member the bot may remove. */
  neededLevel: number;
  error?: string;
}

export interface RoomFacts {
  levels: PowerLevels;
  /** The full m.room.power_levels content, to change one entry of. */
  powerLevelsContent: Record<string, unknown>;
  /** Joined members' ids. */
  members: string[];
}

export async function roomFacts(admin: SynapseAdmin, roomId: string): Promise<RoomFacts> {
  const [powerEvents, created, members] = await Promise.all([
    roomStateOfType(admin, roomId, "m.room.power_levels"),
    fetchCreate(admin, roomId),
    admin.request<{ members: string[] }>("GET", `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/members`),
  ]);
  const content = powerEvents.find((event) => event.state_key === "")?.content;
  return { levels: parsePowerLevels(content, created.create), powerLevelsContent: content ?? {}, members: members.members };
}

export function judgeStanding(room: ScopeRoom, facts: RoomFacts, bot: string, exemptPowerLevel: number): RoomStanding {
  const level = userLevel(facts.levels, bot);
  return {
    roomId: room.roomId,
    ...(room.name ? { name: room.name } : {}),
    isSpace: room.isSpace,
    joined: facts.members.includes(bot),
    botLevel: Number.isFinite(level) ? level : 100,
    neededLevel: neededBotLevel(facts.levels, exemptPowerLevel),
  };
}

export async function gatherStandings(admin: SynapseAdmin, rooms: readonly ScopeRoom[], bot: string, exemptPowerLevel: number): Promise<RoomStanding[]> {
  return Promise.all(
    rooms.map(async (room) => {
      try {
        return judgeStanding(room, await roomFacts(admin, room.roomId), bot, exemptPowerLevel);
      } catch (error) {
        return { roomId: room.roomId, isSpace: room.isSpace, joined: false, botLevel: 0, neededLevel: 0, error: (error as Error).message };
      }
    }),
  );
}
