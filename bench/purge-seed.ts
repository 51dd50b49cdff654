/**
 * Seeding and snapshots for bench/purge.ts: many rooms full of messages and
 * many uploads, then a PostgreSQL template copy of the database (and a copy
 * of the media store), so every measured run starts from the same state and
 * later runs of the benchmark skip the seeding (Synapse persists about 65
 * events a second here, so 40,000 take ~10 minutes once).
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { forEachBounded } from "../src/purge/bounded.ts";
import { type Actor, bytesOf, createRoom, joinRoom, sendText, upload } from "../test/integration/purge/fixtures.ts";
import type { BenchServer } from "./purge-server.ts";
import { hasSnapshot, restoreSnapshot, takeSnapshot } from "./_snapshot.ts";

export interface SeedSize {
  rooms: number;
  eventsPerRoom: number;
  media: number;
}

const snapshotName = "bench_purge_snapshot";
const seedFile = (server: BenchServer) => join(server.home, "..", "seed.json");
const mediaSnapshot = (server: BenchServer) => `${server.paths.mediaStoreDir}.snapshot`;

/** Concurrent sends to one room are persisted in batches, several times faster than one by one. */
const roomsAtOnce = 4;
const sendsAtOnce = 16;

async function seed(server: BenchServer, size: SeedSize, progress: (line: string) => void): Promise<void> {
  const users: Actor[] = [];
  for (let i = 0; i < 4; i++) users.push(await server.createUser(`bench${i}-${Date.now().toString(36)}`));
  let roomsDone = 0;
  await forEachBounded([...Array(size.rooms).keys()], roomsAtOnce, async (index) => {
    const [owner, guest] = [users[index % users.length]!, users[(index + 1) % users.length]!];
    const roomId = await createRoom(server, owner, `Bench room ${index}`);
    await joinRoom(server, guest, roomId);
    const stored = Number(await server.sql(`SELECT count(*) FROM events WHERE room_id = '${roomId}'`));
    const messages = [...Array(Math.max(0, size.eventsPerRoom - stored)).keys()];
    await forEachBounded(messages, sendsAtOnce, async (i) => {
      await sendText(server, i % 2 ? owner : guest, roomId, `message ${i} in room ${index}`);
    });
    if (++roomsDone % 10 === 0) progress(`seeded ${roomsDone}/${size.rooms} rooms`);
  });
  await forEachBounded([...Array(size.media).keys()], sendsAtOnce, async (index) => {
    await upload(server, users[index % users.length]!, bytesOf(1024 + (index % 7) * 512, index), `file-${index}.bin`);
  });
  progress(`seeded ${size.media} uploads`);
}

/** Seeds and snapshots, unless a snapshot of this size is there from an earlier run. */
export async function ensureSnapshot(server: BenchServer, size: SeedSize, progress: (line: string) => void): Promise<void> {
  const wanted = JSON.stringify(size);
  if ((await hasSnapshot(server, snapshotName)) && existsSync(mediaSnapshot(server)) && existsSync(seedFile(server)) && readFileSync(seedFile(server), "utf8") === wanted) {
    progress(`reusing the seeded snapshot (${wanted})`);
    return restorePurgeSnapshot(server);
  }
  const start = performance.now();
  await seed(server, size, progress);
  progress(`seeding took ${((performance.now() - start) / 1000).toFixed(0)} s`);
  await takeSnapshot(server, snapshotName, () => {
    rmSync(mediaSnapshot(server), { recursive: true, force: true });
    cpSync(server.paths.mediaStoreDir, mediaSnapshot(server), { recursive: true, preserveTimestamps: true });
  });
  writeFileSync(seedFile(server), wanted);
}

export async function restorePurgeSnapshot(server: BenchServer): Promise<void> {
  await restoreSnapshot(server, snapshotName, () => {
    rmSync(server.paths.mediaStoreDir, { recursive: true, force: true });
    cpSync(mediaSnapshot(server), server.paths.mediaStoreDir, { recursive: true, preserveTimestamps: true });
  });
}

/** A snapshot of another size is not reused: the whole bench server starts over. */
export function seededSizeMatches(root: string, size: SeedSize): boolean {
  const file = join(root, "seed.json");
  return !existsSync(join(root, "home")) || (existsSync(file) && readFileSync(file, "utf8") === JSON.stringify(size));
}
