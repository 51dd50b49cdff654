/**
 * bench/load.ts's population on the two-homeserver fixture
 * (test/support/federation.ts): a Space and its rooms on `home`, members on
 * both servers, at least a third of them on `remote`. Accounts come from the
 * admin API and tokens from login-as-user, so no login rate limit applies.
 */
import type { Federation } from "../test/support/federation.ts";
import type { TestServer } from "../test/support/server.ts";

export type Side = "home" | "remote";

export interface Member {
  userId: string;
  token: string;
  side: Side;
  /** The one room of the Space this member chats in. */
  roomId: string;
}

export interface Population {
  spaceId: string;
  roomIds: string[];
  members: Member[];
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function inPool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function call<T>(server: TestServer, method: string, path: string, token: string, body?: object): Promise<T> {
  return server.http.request<T>(method, path, { token, body: body as Record<string, unknown> | undefined });
}

async function withRetries<T>(attempts: number, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

async function makeAccount(server: TestServer, localpart: string): Promise<{ userId: string; token: string }> {
  const userId = `@${localpart}:${server.serverName}`;
  const admin = server.adminApi();
  await admin.upsertUser(userId, { password: `pw-${crypto.randomUUID()}`, displayname: localpart });
  // Real people are not rate-limited as one; 50 senders from one test machine would be.
  await admin.exemptFromRateLimits(userId);
  return { userId, token: await admin.loginAs(userId) };
}

/**
 * `members` accounts, a third (rounded up) on `remote`, each joined to the
 * Space and to one of `rooms` rooms in turn. Rooms are public to join, which
 * spares the invites; the load that follows is the same either way.
 */
export async function seedPopulation(federation: Federation, members: number, rooms: number, log: (line: string) => void): Promise<Population> {
  const { home, remote } = federation;
  const owner = await makeAccount(home, "bench-owner");
  const create = (body: object) => call<{ room_id: string }>(home, "POST", "/_matrix/client/v3/createRoom", owner.token, body).then((r) => r.room_id);
  const spaceId = await create({ name: "Bench Space", preset: "public_chat", creation_content: { type: "m.space" } });
  const roomIds: string[] = [];
  for (let i = 0; i < rooms; i++) {
    const roomId = await create({ name: `Bench room ${i + 1}`, preset: "public_chat" });
    await call(home, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(spaceId)}/state/m.space.child/${encodeURIComponent(roomId)}`, owner.token, { via: [home.serverName] });
    roomIds.push(roomId);
  }

  const remoteCount = Math.ceil(members / 3);
  // Exactly remoteCount remote members, spread evenly through the list so every room gets some.
  let remoteSoFar = 0;
  const plan = Array.from({ length: members }, (_, index) => {
    const side: Side = Math.floor(((index + 1) * remoteCount) / members) > remoteSoFar ? "remote" : "home";
    if (side === "remote") remoteSoFar++;
    return { side, index };
  });

  const created: Member[] = new Array(members);
  const started = performance.now();
  await inPool(plan, 8, async ({ side, index }) => {
    // Every step is idempotent (PUT, exemption, a new login), so a timeout on a busy machine is asked again.
    const account = await withRetries(3, () => makeAccount(side === "home" ? home : remote, `bench-${side}-${index}`));
    created[index] = { ...account, side, roomId: roomIds[index % rooms]! };
  });
  log(`seed: ${members} accounts (${remoteCount} on the remote) in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  const join = (member: Member, roomId: string) => {
    const server = member.side === "home" ? home : remote;
    const via = member.side === "remote" ? `?server_name=${encodeURIComponent(home.serverName)}` : "";
    // Idempotent too.
    return withRetries(3, () => call(server, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}${via}`, member.token, {}));
  };
  // The remote's first join of each room goes over federation (send_join); later ones are local to the remote.
  const firstRemote = created.find((member) => member.side === "remote");
  if (firstRemote) for (const roomId of [spaceId, ...roomIds]) await join(firstRemote, roomId);
  const joinStarted = performance.now();
  await inPool(created, 8, async (member) => {
    if (member === firstRemote) return;
    await join(member, spaceId);
    await join(member, member.roomId);
  });
  log(`seed: ${members * 2} joins in ${((performance.now() - joinStarted) / 1000).toFixed(0)} s`);
  return { spaceId, roomIds, members: created };
}
