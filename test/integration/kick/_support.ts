/**
 * Fixtures for the kick suites: a Space made by `mxhome space create`
 * (src/space, the kick scope's default), members who join it through the
 * client API, and `runKick` in-process with the real clock and transport.
 */
import { runKick, type KickDeps, type KickOptions } from "../../../src/kick/run.ts";
import type { KickReport } from "../../../src/kick/report.ts";
import type { Config } from "../../../src/config/schema.ts";
import { convergeSpace } from "../../../src/space/converge.ts";
import { readSpaceState, resolveKickScopeRoot } from "../../../src/space/state.ts";
import type { TestServer, TestUser } from "../../support/server.ts";

export const dayMs = 86_400_000;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Community {
  spaceId: string;
  /** Child rooms by name. */
  rooms: Record<string, string>;
  /** The Space and every child room. */
  all: string[];
  /** A token of the human admin, who owns the Space. */
  ownerToken: string;
}

export async function buildCommunity(server: TestServer, roomNames: string[]): Promise<Community> {
  await convergeSpace(server.paths, server.config, { space: { name: "Family" }, rooms: roomNames.map((name) => ({ name, encrypted: false })), dryRun: false });
  const state = readSpaceState(server.paths)!;
  const rooms = Object.fromEntries(roomNames.map((name) => [name, state.rooms[name]!]));
  const ownerToken = await server.adminApi().loginAs(server.admin.userId);
  return { spaceId: state.spaceId, rooms, all: [state.spaceId, ...Object.values(rooms)], ownerToken };
}

const path = (roomId: string, rest: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/${rest}`;

/** The owner invites; the user (on `server`, maybe another homeserver) joins the Space, then the rooms (restricted to Space members). */
export async function joinCommunity(home: TestServer, community: Community, user: TestUser, rooms: string[], server: TestServer = home): Promise<void> {
  // Remote members are invited to the rooms too: a restricted join over federation needs the resident server to vouch, which this pair does not rely on.
  for (const roomId of [community.spaceId, ...(server === home ? [] : rooms)]) {
    await home.http.request("POST", path(roomId, "invite"), { token: community.ownerToken, body: { user_id: user.userId } });
  }
  for (const roomId of [community.spaceId, ...rooms]) {
    await server.http.request("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: user.accessToken, body: {}, query: { via: home.serverName } });
  }
}

export async function setLevel(server: TestServer, community: Community, roomId: string, userId: string, level: number): Promise<void> {
  const levels = await server.http.request<Record<string, any>>("GET", path(roomId, "state/m.room.power_levels/"), { token: community.ownerToken });
  await server.http.request("PUT", path(roomId, "state/m.room.power_levels/"), { token: community.ownerToken, body: { ...levels, users: { ...levels.users, [userId]: level } } });
}

export async function say(server: TestServer, user: TestUser, roomId: string, body: string): Promise<string> {
  const txn = `t${Date.now()}${Math.random().toString(36).slice(2)}`;
  return (await server.http.request<{ event_id: string }>("PUT", path(roomId, `send/m.room.message/${txn}`), { token: user.accessToken, body: { msgtype: "m.text", body } })).event_id;
}

export async function readReceipt(server: TestServer, user: TestUser, roomId: string, eventId: string): Promise<void> {
  await server.http.request("POST", path(roomId, `receipt/m.read/${encodeURIComponent(eventId)}`), { token: user.accessToken, body: {} });
}

/** Joined members of a room, through the admin API. */
export async function membersOf(server: TestServer, roomId: string): Promise<string[]> {
  const answer = await server.adminApi().request<{ members: string[] }>("GET", `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/members`);
  return answer.members.sort();
}

export async function membersEverywhere(server: TestServer, community: Community): Promise<Record<string, string[]>> {
  return Object.fromEntries(await Promise.all(community.all.map(async (roomId) => [roomId, await membersOf(server, roomId)] as const)));
}

export function kickDeps(server: TestServer, overrides: Partial<KickDeps> & { config?: Config } = {}): KickDeps {
  const config = overrides.config ?? server.config;
  return {
    paths: server.paths,
    config,
    http: server.http,
    now: Date.now,
    scopeRoot: () => resolveKickScopeRoot(server.paths, config),
    confirm: async () => true,
    ...overrides,
  };
}

export function kick(deps: KickDeps, options: Partial<KickOptions> & Pick<KickOptions, "mode">): Promise<KickReport> {
  return runKick(deps, { revokeInvites: false, dryRun: false, ...options });
}

export const proposed = (report: KickReport) => report.proposals.map((proposal) => proposal.userId).sort();
