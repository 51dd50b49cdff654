/**
 * Which other homeservers `catch-up` wakes, and how: pure, from the rooms
 * local users are joined to and their members.
 *
 * A server that queued events for us while we were down backs off per
 * destination, not per room (synapse/util/retryutils.py), so one signed
 * request per server is enough, whatever room it shares with us.
 */
export interface RoomMembers {
  roomId: string;
  /** The Space mxhome made, its rooms, or any other Space: woken first. */
  inSpace: boolean;
  /** Joined members (user ids). */
  members: readonly string[];
}

export interface WakeTarget {
  server: string;
  /** Its members we may look up, first one first; more are tried if one fails. */
  members: string[];
  /** Rooms it shares with the bot: a typing notice there is the fallback, and the bot's /sync sees its events. */
  botRooms: string[];
}

/** More servers than this in one run would be a bot-sized burst of federation traffic; the Space's come first. */
export const maxTargets = 100;
/** Members tried per server by profile lookup before the fallback. */
export const membersPerServer = 3;

/** The server part of a user id: everything after the first colon (it may carry a port). */
export function serverOf(userId: string): string {
  const colon = userId.indexOf(":");
  return colon < 0 ? "" : userId.slice(colon + 1);
}

export function planWakeTargets(rooms: readonly RoomMembers[], ownServer: string, botUserId: string, cap = maxTargets): WakeTarget[] {
  const ordered = [...rooms.filter((room) => room.inSpace), ...rooms.filter((room) => !room.inSpace)];
  const targets = new Map<string, WakeTarget>();
  for (const room of ordered) {
    const botIsHere = room.members.includes(botUserId);
    for (const userId of room.members) {
      const server = serverOf(userId);
      if (!server || server === ownServer) continue;
      let target = targets.get(server);
      if (!target) {
        if (targets.size >= cap) continue;
        targets.set(server, (target = { server, members: [], botRooms: [] }));
      }
      if (target.members.length < membersPerServer && !target.members.includes(userId)) target.members.push(userId);
      if (botIsHere && !target.botRooms.includes(room.roomId)) target.botRooms.push(room.roomId);
    }
  }
  return [...targets.values()];
}

/** The bot's rooms shared with one of `servers` (woken ones), in the targets' order (the Space's first), each once: the rooms the gap check reads. */
export function gapRooms(targets: readonly WakeTarget[], servers: ReadonlySet<string>): string[] {
  return [...new Set(targets.filter((target) => servers.has(target.server)).flatMap((target) => target.botRooms))];
}
