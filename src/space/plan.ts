import type { CreateRoomRequest, InitialStateEvent, JsonObject, PowerLevelsContent } from "../matrix/types.ts";
import { creatorsHavePower, moderatorLevel, neededBotLevel, stateEventLevel, supportsRestrictedJoins, userLevel } from "./power.ts";
import { restrictedTo, type RoomSnapshot } from "./snapshot.ts";

/**
 * Pure: the Space and rooms mxhome wants, as createRoom requests for what is
 * missing and as changes for what drifted. Applying the changes to what
 * exists converges it; a second run over a converged Space plans nothing.
 *
 * Who acts: the human admin ("owner") creates and owns every room — mxhome
 * acts for them with a short-lived admin-API token — so mxhome's service
 * account is never a member. The bot is invited, joins, and holds exactly
 * the level kick needs.
 */
export interface SpacePolicy {
  serverName: string;
  owner: string;
  bot: string;
  /** `[kick] exempt_power_level`: the bot needs at least this to remove everyone below it. */
  exemptPowerLevel: number;
  /** For rooms still to be created. */
  roomVersion: string;
}

export interface RoomWish {
  name: string;
  /** Localpart of an alias on this server. */
  alias?: string;
  encrypted: boolean;
}

export type Actor = "owner" | "bot";

export type Change =
  | { kind: "state"; roomId: string; type: string; stateKey: string; content: JsonObject; actor: Actor; summary: string }
  | { kind: "alias"; roomId: string; alias: string; summary: string }
  | { kind: "invite"; roomId: string; userId: string; summary: string }
  | { kind: "join"; roomId: string; userId: string; summary: string };

export interface RoomPlan {
  changes: Change[];
  /** What mxhome cannot change (the run stops before changing anything). */
  problems: string[];
}

export const megolm = "m.megolm.v1.aes-sha2";

/** Power levels of a new room: creators (room v12+) or the owner at 100 above all, moderators and the bot at 50, structure at 100. */
export function initialPowerLevels(policy: SpacePolicy, kind: "space" | "room"): PowerLevelsContent {
  const ownerIsCreator = creatorsHavePower(policy.roomVersion);
  return {
    users: { ...(ownerIsCreator ? {} : { [policy.owner]: 100 }), [policy.bot]: Math.max(moderatorLevel, policy.exemptPowerLevel) },
    users_default: 0,
    events: {
      "m.room.name": 50,
      "m.room.avatar": 50,
      "m.room.canonical_alias": 50,
      "m.room.power_levels": 100,
      "m.room.history_visibility": 100,
      "m.room.join_rules": 100,
      "m.room.guest_access": 100,
      "m.room.encryption": 100,
      "m.room.server_acl": 100,
      "m.room.tombstone": ownerIsCreator ? 150 : 100,
      [kind === "space" ? "m.space.child" : "m.space.parent"]: 100,
    },
    // Nobody posts messages in the Space itself.
    events_default: kind === "space" ? 100 : 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 50,
    historical: 100,
  };
}

const state = (type: string, content: JsonObject, stateKey = ""): InitialStateEvent => ({ type, state_key: stateKey, content });
const restrictedRule = (spaceId: string) => ({ join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: spaceId }] });

export function spaceCreateRequest(policy: SpacePolicy, name: string, alias: string): CreateRoomRequest {
  return {
    name,
    room_alias_name: alias,
    visibility: "private",
    preset: "private_chat",
    room_version: policy.roomVersion,
    creation_content: { type: "m.space" },
    initial_state: [state("m.room.join_rules", { join_rule: "invite" }), state("m.room.history_visibility", { history_visibility: "shared" }), state("m.room.guest_access", { guest_access: "forbidden" })],
    power_level_content_override: initialPowerLevels(policy, "space"),
    invite: [policy.bot],
  };
}

export function roomCreateRequest(policy: SpacePolicy, spaceId: string, wish: RoomWish): CreateRoomRequest {
  return {
    name: wish.name,
    ...(wish.alias ? { room_alias_name: wish.alias } : {}),
    visibility: "private",
    preset: "private_chat",
    room_version: policy.roomVersion,
    initial_state: [
      state("m.room.join_rules", restrictedRule(spaceId)),
      state("m.room.history_visibility", { history_visibility: "shared" }),
      state("m.room.guest_access", { guest_access: "forbidden" }),
      state("m.space.parent", { via: [policy.serverName], canonical: true }, spaceId),
      ...(wish.encrypted ? [state("m.room.encryption", { algorithm: megolm })] : []),
    ],
    power_level_content_override: initialPowerLevels(policy, "room"),
    invite: [policy.bot],
  };
}

/** The bot in the room, at exactly the level kick needs. */
function planBot(policy: SpacePolicy, room: RoomSnapshot, plan: RoomPlan): void {
  const membership = room.members[policy.bot];
  if (membership === "ban") plan.problems.push(`${policy.bot} is banned from ${room.roomId}; unban it in your client, then run this again`);
  else if (membership !== "join") {
    if (membership !== "invite") plan.changes.push({ kind: "invite", roomId: room.roomId, userId: policy.bot, summary: "invite the bot" });
    plan.changes.push({ kind: "join", roomId: room.roomId, userId: policy.bot, summary: "the bot joins" });
  }
  const needed = neededBotLevel(room, policy.exemptPowerLevel);
  const current = room.powerLevels?.users?.[policy.bot];
  if (current === needed) return;
  const ownerLevel = userLevel(room, policy.owner);
  // Nobody can lower a level equal to their own, except its holder: a bot above the owner's reach lowers itself.
  const actor: Actor = ownerLevel > (current ?? 0) ? "owner" : "bot";
  if (actor === "bot" && (current ?? 0) < stateEventLevel(room, "m.room.power_levels")) {
    plan.problems.push(`the bot's level ${current} in ${room.roomId} is above what the admin can change; lower it in your client`);
    return;
  }
  const content = { ...(room.powerLevels ?? {}), users: { ...(room.powerLevels?.users ?? {}), [policy.bot]: needed } };
  plan.changes.push({ kind: "state", roomId: room.roomId, type: "m.room.power_levels", stateKey: "", content, actor, summary: `bot power level ${current ?? "unset"} → ${needed}` });
}

function planAlias(policy: SpacePolicy, room: RoomSnapshot, alias: string | undefined, plan: RoomPlan): void {
  const full = alias ? `#${alias}:${policy.serverName}` : undefined;
  if (full && room.canonicalAlias !== full) plan.changes.push({ kind: "alias", roomId: room.roomId, alias: full, summary: `alias ${full}` });
}

function requireOwner(policy: SpacePolicy, room: RoomSnapshot, plan: RoomPlan): void {
  if (room.members[policy.owner] !== "join") plan.problems.push(`${policy.owner} is not in ${room.name ?? room.roomId}; mxhome acts as the admin there, so the admin must be a member`);
}

/** Drift of the Space itself: invite-only, history for members only, the bot, the alias. */
export function planSpace(policy: SpacePolicy, space: RoomSnapshot, alias?: string): RoomPlan {
  const plan: RoomPlan = { changes: [], problems: [] };
  requireOwner(policy, space, plan);
  const put = (type: string, content: JsonObject, summary: string) => plan.changes.push({ kind: "state", roomId: space.roomId, type, stateKey: "", content, actor: "owner", summary });
  if (space.joinRule !== "invite") put("m.room.join_rules", { join_rule: "invite" }, `join rule ${space.joinRule} → invite`);
  if (space.historyVisibility === "world_readable") put("m.room.history_visibility", { history_visibility: "shared" }, "history visible to members only");
  planAlias(policy, space, alias, plan);
  planBot(policy, space, plan);
  return plan;
}

/**
 * Drift of a child room: linked both ways, restricted to the Space, the bot.
 * Encryption is decided when the room is created and never changed here:
 * turning it on can't be undone, and a room made with --no-encryption stays so.
 */
export function planChild(policy: SpacePolicy, space: RoomSnapshot, room: RoomSnapshot, wish: RoomWish): RoomPlan {
  const plan: RoomPlan = { changes: [], problems: [] };
  requireOwner(policy, room, plan);
  const put = (roomId: string, type: string, content: JsonObject, summary: string, stateKey = "") =>
    plan.changes.push({ kind: "state", roomId, type, stateKey, content, actor: "owner", summary });
  if (!space.children.some((child) => child.roomId === room.roomId)) put(space.roomId, "m.space.child", { via: [policy.serverName] }, "link from the Space", room.roomId);
  if (!room.parents.some((parent) => parent.roomId === space.roomId)) put(room.roomId, "m.space.parent", { via: [policy.serverName], canonical: true }, "link to the Space", space.roomId);
  if (!restrictedTo(room, space.roomId)) {
    if (supportsRestrictedJoins(room.roomVersion)) put(room.roomId, "m.room.join_rules", restrictedRule(space.roomId), `join rule ${room.joinRule} → Space members`);
    else plan.problems.push(`${room.name ?? room.roomId} is room version ${room.roomVersion}, which cannot restrict joins to Space members (8 or later can); upgrade the room in your client`);
  }
  planAlias(policy, room, wish.alias, plan);
  planBot(policy, room, plan);
  return plan;
}
