import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TestServer, TestUser } from "../../support/server.ts";

/** What a backup must bring back: two users, a Space with two rooms and their messages, an upload, the signing key. */
export interface Fixture {
  alice: TestUser;
  bob: TestUser;
  spaceId: string;
  rooms: { roomId: string; messages: string[] }[];
  upload: { mxc: string; bytes: Buffer };
  signingKey: string;
}

export async function seedFixture(server: TestServer): Promise<Fixture> {
  const alice = await server.createUser("alice");
  const bob = await server.createUser("bob");
  const as = (user: TestUser) => ({ token: user.accessToken });
  const createRoom = async (body: Record<string, unknown>) =>
    (await server.http.request<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", { ...as(alice), body: { preset: "private_chat", invite: [bob.userId], ...body } })).room_id;
  const spaceId = await createRoom({ name: "Home", creation_content: { type: "m.space" } });
  const rooms: Fixture["rooms"] = [];
  for (const name of ["general", "photos"]) {
    const roomId = await createRoom({ name });
    const via = { via: [server.serverName] };
    await server.http.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(spaceId)}/state/m.space.child/${encodeURIComponent(roomId)}`, { ...as(alice), body: via });
    await server.http.request("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { ...as(bob), body: {} });
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [sender, body] = i % 2 ? [bob, `${name}: bob says ${i}`] : [alice, `${name}: alice says ${i}`];
      await server.http.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${name}${i}`, {
        ...as(sender),
        body: { msgtype: "m.text", body },
      });
      messages.push(body);
    }
    rooms.push({ roomId, messages });
  }
  const bytes = randomBytes(200_000);
  const response = await fetch(`${server.synapseUrl}/_matrix/media/v3/upload?filename=photo.bin`, {
    method: "POST",
    headers: { Authorization: `Bearer ${alice.accessToken}`, "Content-Type": "application/octet-stream" },
    body: bytes,
  });
  if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  const mxc = ((await response.json()) as { content_uri: string }).content_uri;
  return { alice, bob, spaceId, rooms, upload: { mxc, bytes }, signingKey: readFileSync(server.paths.secrets.signingKey, "utf8") };
}
