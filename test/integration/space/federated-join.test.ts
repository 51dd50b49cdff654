/**
 * The product's core flow over real federation: the owner invites people
 * from another homeserver to the Space made by `mxhome space create`; they
 * join the Space, then a child room restricted to Space members, with no
 * invite to the room (spec: restricted rooms, MSC3083). Their server can't
 * vouch for them, as nobody there may invite, so `home` signs the join,
 * naming in `join_authorised_via_users_server` a local member who could
 * invite: the owner (a creator in room v12, above every level) or the bot (50).
 *
 * Timing: the first person from a server joins the Space through home
 * (make_join/send_join), so home knows as soon as the call returns. Once
 * their server is in the Space, the next person's Space join is made there
 * and reaches home later, in a federation transaction (≈0.2 s on loopback);
 * a room join before that is refused by home with "You do not belong to any
 * of the required rooms/spaces to join this room". So wait until home sees
 * the Space membership. (A real client's user just tries again.)
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { StateEvent } from "../../../src/matrix/types.ts";
import { convergeSpace } from "../../../src/space/converge.ts";
import { runSpaceInvite } from "../../../src/space/invite.ts";
import { adminStateReader } from "../../../src/space/observe.ts";
import { readSpaceState } from "../../../src/space/state.ts";
import { type Federation, startFederation } from "../../support/federation.ts";
import type { TestServer, TestUser } from "../../support/server.ts";

let federation: Federation;

beforeAll(async () => {
  federation = await startFederation();
}, 120_000);
afterAll(() => federation?.stop(), 60_000);

const memberEvent = (events: StateEvent[], userId: string) => events.find((event) => event.type === "m.room.member" && event.state_key === userId);

/** Polls `server` (as its admin) until it holds `userId`'s join in `roomId`. */
async function waitForJoin(server: TestServer, roomId: string, userId: string, timeoutMs = 10_000): Promise<void> {
  const read = adminStateReader(server.adminApi());
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await Bun.sleep(100)) {
    if (memberEvent(await read(roomId), userId)?.content.membership === "join") return;
  }
  throw new Error(`${server.serverName} never saw ${userId} join ${roomId}`);
}

test("people from another homeserver who joined the Space join its restricted room, vouched for by home", async () => {
  const { home, remote } = federation;
  await convergeSpace(home.paths, home.config, { space: { name: "Friends" }, rooms: [{ name: "Lounge", encrypted: false }], dryRun: false });
  const { spaceId, rooms } = readSpaceState(home.paths)!;
  const loungeId = rooms.Lounge!;
  const join = (user: TestUser, roomId: string) =>
    remote.http.request<{ room_id: string }>("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: user.accessToken, body: {}, query: { server_name: home.serverName } });

  // zoe is the first from her server: it is in neither room yet. yan comes second: it is in both.
  // (Without waitForJoin, yan's room join is refused; made just before its invite, reliably so.)
  for (const name of ["zoe", "yan"]) {
    const user = await remote.createUser(name);
    expect((await runSpaceInvite(home.paths, home.config, [user.userId])).users[0]!.outcome).toBe("invited");
    await join(user, spaceId);
    await waitForJoin(home, spaceId, user.userId);
    expect((await join(user, loungeId)).room_id).toBe(loungeId);

    const membership = memberEvent(await adminStateReader(home.adminApi())(loungeId), user.userId)!;
    expect(membership.sender).toBe(user.userId);
    expect(membership.content.membership).toBe("join");
    expect([home.admin.userId, home.bot.userId]).toContain(membership.content.join_authorised_via_users_server as string);
  }
}, 60_000);
