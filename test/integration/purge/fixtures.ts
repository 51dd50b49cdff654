/**
 * Seeding a real server for the purge tests and bench/purge.ts: rooms,
 * messages, uploads and leaves, through the client API with tokens the admin
 * API minted (test servers relax Synapse's rate limits).
 */
import type { TestServer, TestUser } from "../../support/server.ts";

/** What seeding needs of a server: a test server, or bench/purge.ts's persistent one. */
export type SeedServer = Pick<TestServer, "http" | "synapseUrl" | "adminApi">;

let transaction = 0;
const enc = encodeURIComponent;

export interface Actor {
  userId: string;
  accessToken: string;
}

export async function createRoom(server: SeedServer, user: Actor, name: string): Promise<string> {
  const answer = await server.http.request<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", {
    token: user.accessToken,
    body: { name, preset: "public_chat" },
  });
  return answer.room_id;
}

export async function joinRoom(server: SeedServer, user: Actor, roomId: string): Promise<void> {
  await server.http.request("POST", `/_matrix/client/v3/join/${enc(roomId)}`, { token: user.accessToken, body: {} });
}

export async function leaveRoom(server: SeedServer, user: Actor, roomId: string): Promise<void> {
  await server.http.request("POST", `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, { token: user.accessToken, body: {} });
}

export async function sendMessage(server: SeedServer, user: Actor, roomId: string, content: Record<string, unknown>): Promise<string> {
  const path = `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/t${process.pid}-${++transaction}`;
  return (await server.http.request<{ event_id: string }>("PUT", path, { token: user.accessToken, body: content })).event_id;
}

export const sendText = (server: SeedServer, user: Actor, roomId: string, body: string) => sendMessage(server, user, roomId, { msgtype: "m.text", body });

/** Uploads bytes; returns the mxc:// URI. */
export async function upload(server: SeedServer, user: Actor, bytes: Uint8Array, filename: string): Promise<string> {
  const response = await fetch(`${server.synapseUrl}/_matrix/media/v3/upload?filename=${enc(filename)}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${user.accessToken}`, "Content-Type": "application/octet-stream" },
    body: bytes,
  });
  if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { content_uri: string }).content_uri;
}

export const sendFile = (server: SeedServer, user: Actor, roomId: string, mxc: string, size: number) =>
  sendMessage(server, user, roomId, { msgtype: "m.file", body: "file.bin", url: mxc, info: { size, mimetype: "application/octet-stream" } });

export async function setAvatar(server: SeedServer, user: Actor, mxc: string): Promise<void> {
  await server.http.request("PUT", `/_matrix/client/v3/profile/${enc(user.userId)}/avatar_url`, { token: user.accessToken, body: { avatar_url: mxc } });
}

export const mediaId = (mxc: string) => mxc.split("/").pop()!;

/** Deterministic bytes of a given size. */
export function bytesOf(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 17) & 0xff;
  return bytes;
}

/** Synapse updates room statistics in the background: wait until the room list shows the leaves. */
export async function waitForLocalMembers(server: SeedServer, roomId: string, expected: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const room = await server.adminApi().request<{ joined_local_members: number }>("GET", `/_synapse/admin/v1/rooms/${enc(roomId)}`);
    if (room.joined_local_members === expected) return;
    if (Date.now() > deadline) throw new Error(`${roomId} still has ${room.joined_local_members} local members`);
    await Bun.sleep(50);
  }
}

export type { TestUser };
