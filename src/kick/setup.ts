import type { SynapseAdmin } from "../synapse/admin.ts";
import type { Session } from "../synapse/client.ts";
import { isMatrixError, type SynapseHttp } from "../synapse/http.ts";
import { registerSecret } from "../ui/redact.ts";
import { isLocalUser } from "./members.ts";
import { userLevel } from "./power.ts";
import { judgeStanding, type RoomFacts, roomFacts, type RoomStanding } from "./standing.ts";
import type { PowerLevels, ScopeRoom } from "./types.ts";

/**
 * `mxhome kick --setup`: puts the bot in every scope room at exactly the
 * level it needs. Invites and power changes are made by a local member of
 * the room who has the power for them: mxhome's service account when it is
 * one, else the room's most powerful local member, acting through a
 * ten-minute admin-API login that is logged out right after (as Synapse's
 * make_room_admin does). The bot is only ever raised, never lowered.
 */
export interface SetupStep {
  roomId: string;
  name?: string;
  join: boolean;
  /** The bot's level now and the level it is raised to. */
  from: number;
  raiseTo?: number;
  /** Who invites the bot and changes its level. */
  actor?: string;
  outcome: "planned" | "done" | "failed";
  error?: string;
}

export interface SetupInput {
  admin: SynapseAdmin;
  http: SynapseHttp;
  bot: Session;
  service: Session;
  serverName: string;
  rooms: readonly ScopeRoom[];
  exemptPowerLevel: number;
  dryRun: boolean;
  now: () => number;
}

/** The local joined member with the most power who may do what's needed (the service account preferred). */
export function chooseActor(levels: PowerLevels, members: readonly string[], serverName: string, service: string, bot: string, required: number): string | undefined {
  const able = members
    .filter((member) => member !== bot && isLocalUser(member, serverName) && userLevel(levels, member) >= required)
    .sort((a, b) => userLevel(levels, b) - userLevel(levels, a));
  return able.includes(service) ? service : able[0];
}

export function planStep(standing: RoomStanding, facts: RoomFacts, serverName: string, service: string, bot: string): SetupStep | undefined {
  const raise = standing.botLevel < standing.neededLevel;
  if (standing.joined && !raise) return undefined;
  const required = Math.max(standing.joined ? 0 : facts.levels.invite, raise ? Math.max(facts.levels.powerLevelsEvent, standing.neededLevel, standing.botLevel + 1) : 0);
  return {
    roomId: standing.roomId,
    ...(standing.name ? { name: standing.name } : {}),
    join: !standing.joined,
    from: standing.botLevel,
    ...(raise ? { raiseTo: standing.neededLevel } : {}),
    actor: chooseActor(facts.levels, facts.members, serverName, service, bot, required),
    outcome: "planned",
  };
}

async function actAs(input: SetupInput, actor: string, work: (token: string) => Promise<void>): Promise<void> {
  if (actor === input.service.userId) return work(input.service.accessToken);
  const path = `/_synapse/admin/v1/users/${encodeURIComponent(actor)}/login`;
  const { access_token: token } = await input.admin.request<{ access_token: string }>("POST", path, { body: { valid_until_ms: input.now() + 600_000 } });
  registerSecret(token);
  try {
    await work(token);
  } finally {
    await input.http.request("POST", "/_matrix/client/v3/logout", { token, body: {} }).catch(() => undefined);
  }
}

async function perform(input: SetupInput, step: SetupStep, facts: RoomFacts): Promise<void> {
  const room = encodeURIComponent(step.roomId);
  const joinBot = () => input.http.request("POST", `/_matrix/client/v3/join/${room}`, { token: input.bot.accessToken, body: {} });
  if (step.join) {
    // A room the bot may join by itself (public, or restricted to a Space it is in) needs no invite.
    const joined = await joinBot().then(() => true, (error) => (isMatrixError(error, "M_FORBIDDEN") ? false : Promise.reject(error)));
    if (!joined) {
      if (!step.actor) throw new Error("no local member of the room may invite the bot");
      await actAs(input, step.actor, (token) => input.http.request("POST", `/_matrix/client/v3/rooms/${room}/invite`, { token, body: { user_id: input.bot.userId } }).then(() => undefined));
      await joinBot();
    }
  }
  if (step.raiseTo !== undefined) {
    if (!step.actor) throw new Error(`no local member of the room has the power to give the bot level ${step.raiseTo}`);
    const content = { ...facts.powerLevelsContent, users: { ...((facts.powerLevelsContent.users ?? {}) as object), [input.bot.userId]: step.raiseTo } };
    await actAs(input, step.actor, (token) =>
      input.http.request("PUT", `/_matrix/client/v3/rooms/${room}/state/m.room.power_levels/`, { token, body: content }).then(() => undefined),
    );
  }
}

/** The Space first (child rooms may be restricted to its members), then the rest. */
export async function runSetup(input: SetupInput): Promise<{ standings: RoomStanding[]; steps: SetupStep[] }> {
  const standings: RoomStanding[] = [];
  const steps: SetupStep[] = [];
  for (const room of [...input.rooms].reverse()) {
    const facts = await roomFacts(input.admin, room.roomId);
    const standing = judgeStanding(room, facts, input.bot.userId, input.exemptPowerLevel);
    const step = planStep(standing, facts, input.serverName, input.service.userId, input.bot.userId);
    if (step) steps.push(step);
    if (!step || input.dryRun) {
      standings.push(standing);
      continue;
    }
    try {
      await perform(input, step, facts);
      step.outcome = "done";
    } catch (error) {
      step.outcome = "failed";
      step.error = (error as Error).message;
    }
    // The standing as it is now, after the fix.
    standings.push(judgeStanding(room, await roomFacts(input.admin, room.roomId), input.bot.userId, input.exemptPowerLevel));
  }
  return { standings: standings.reverse(), steps };
}
