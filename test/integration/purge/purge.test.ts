/**
 * `mxhome purge` against a real Synapse and PostgreSQL: its own throwaway
 * server, because a purge with a cut-off of seconds would wipe every other
 * suite's rooms on the shared one. Seeds two halves separated by the
 * cut-off, then checks through the admin API, the client API, SQL and the
 * media store on disk.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readCredentials, writeCredentials } from "../../../src/accounts/credentials.ts";
import { deadRoomsConfirmationFile, purge, type PurgeCommandOptions } from "../../../src/purge/index.ts";
import type { PurgeReport } from "../../../src/purge/types.ts";
import { startNativeService, stopNativeService } from "../../../src/runtime/native/services.ts";
import { acquireLock } from "../../../src/state/lock.ts";
import { readRunRecord } from "../../../src/state/runs.ts";
import type { MxError } from "../../../src/ui/errors.ts";
import { setQuiet, setVerbose } from "../../../src/ui/logger.ts";
import { startTestServer, type TestServer, type TestUser } from "../../support/server.ts";
import {
  bytesOf,
  createRoom,
  joinRoom,
  leaveRoom,
  mediaId,
  sendFile,
  sendText,
  setAvatar,
  upload,
  waitForLocalMembers,
} from "./fixtures.ts";

let server: TestServer;
let alice: TestUser, bob: TestUser, carol: TestUser;
const rooms = { active: "", quiet: "", dead: "", bot: "" };
const old = { messages: { active: [] as string[], quiet: [] as string[], bot: [] as string[] }, media: [] as string[], avatar: "", state: [] as string[] };
const fresh = { messages: [] as string[], media: [] as string[] };
let timing: PurgeCommandOptions;

const enc = encodeURIComponent;
const sqlList = (values: string[]) => values.map((value) => `'${value}'`).join(",");
const count = async (query: string) => Number(await server.sql(query));
const run = (options: Partial<PurgeCommandOptions> = {}) => purge(server.paths, server.config, { ...timing, ...options });

/** The first half: three people talking, uploads, an avatar, a room everyone left, a room only the bot stayed in. */
async function seedOldHalf(): Promise<void> {
  [alice, bob, carol] = [await server.createUser("alice"), await server.createUser("bob"), await server.createUser("carol")];
  rooms.active = await createRoom(server, alice, "Active");
  rooms.quiet = await createRoom(server, bob, "Quiet");
  rooms.dead = await createRoom(server, carol, "Abandoned");
  rooms.bot = await createRoom(server, alice, "Kick scope");
  for (const user of [bob, carol]) await joinRoom(server, user, rooms.active);
  await joinRoom(server, alice, rooms.quiet);
  await joinRoom(server, alice, rooms.dead);
  await joinRoom(server, server.bot, rooms.bot);
  // Before the messages: an avatar change adds a member event to each of alice's rooms.
  const avatar = await upload(server, alice, bytesOf(2000, 1), "avatar.png");
  old.avatar = mediaId(avatar);
  await setAvatar(server, alice, avatar);
  for (let i = 0; i < 4; i++) {
    for (const user of [alice, bob, carol]) old.messages.active.push(await sendText(server, user, rooms.active, `old active ${i} from ${user.userId}`));
    for (const user of [alice, bob]) old.messages.quiet.push(await sendText(server, user, rooms.quiet, `old quiet ${i} from ${user.userId}`));
    old.messages.bot.push(await sendText(server, alice, rooms.bot, `old bot-room ${i}`));
    await sendText(server, carol, rooms.dead, `old dead ${i}`);
  }
  for (const [user, size] of [[alice, 3000], [alice, 5000], [bob, 7000]] as const) {
    const mxc = await upload(server, user, bytesOf(size, size), `old-${size}.bin`);
    old.media.push(mediaId(mxc));
    old.messages.active.push(await sendFile(server, user, rooms.active, mxc, size));
  }
  // The active room's last old event is a state event, so every old message there is below the cut-off's token.
  await server.http.request("PUT", `/_matrix/client/v3/rooms/${enc(rooms.active)}/state/m.room.topic/`, { token: alice.accessToken, body: { topic: "old topic" } });
  for (const user of [carol, alice]) await leaveRoom(server, user, rooms.dead);
  await leaveRoom(server, alice, rooms.bot);
  await waitForLocalMembers(server, rooms.dead, 0);
  await waitForLocalMembers(server, rooms.bot, 1);
  old.state = (await server.sql(`SELECT event_id FROM state_events WHERE room_id IN (${sqlList([rooms.active, rooms.quiet, rooms.bot])})`)).split("\n");
}

async function seedRemoteMedia(lastAccess: number, id: string, size: number): Promise<string> {
  const fileId = `${id}fileid`;
  await server.sql(
    `INSERT INTO remote_media_cache (media_origin, media_id, media_type, created_ts, upload_name, media_length, filesystem_id, last_access_ts, quarantined_by)
     VALUES ('remote.test', '${id}', 'application/octet-stream', ${lastAccess}, NULL, ${size}, '${fileId}', ${lastAccess}, NULL)`,
  );
  const dir = join(server.paths.mediaStoreDir, "remote_content", "remote.test", fileId.slice(0, 2), fileId.slice(2, 4));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, fileId.slice(4)), bytesOf(size, 9));
  return join(dir, fileId.slice(4));
}

async function seedNewHalf(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    for (const user of [alice, bob]) fresh.messages.push(await sendText(server, user, rooms.active, `new active ${i} from ${user.userId}`));
  }
  const mxc = await upload(server, carol, bytesOf(4000, 4), "new.bin");
  fresh.media.push(mediaId(mxc));
  fresh.messages.push(await sendFile(server, carol, rooms.active, mxc, 4000));
}

let oldRemoteFile = "";
let freshRemoteFile = "";
beforeAll(async () => {
  server = await startTestServer();
  setQuiet(true); // purge's progress lines; errors still show
  await seedOldHalf();
  oldRemoteFile = await seedRemoteMedia(Date.now() - 1000, "oldremote", 1234);
  await Bun.sleep(1_200);
  const middle = Date.now();
  await Bun.sleep(1_200);
  await seedNewHalf();
  freshRemoteFile = await seedRemoteMedia(Date.now(), "freshremote", 4321);
  const asOf = Date.now();
  // Pinned, so the dry run and the real run evaluate the same cut-off (within half a second of `middle`).
  timing = { dryRun: false, yes: false, vacuumFull: false, interactive: false, asOf: new Date(asOf).toISOString(), olderThan: `${Math.round((asOf - middle) / 1000)}s` };
}, 120_000);

afterAll(async () => {
  setVerbose(false);
  await server?.stop();
}, 60_000);

async function databaseSnapshot() {
  const tables = ["events", "rooms", "local_media_repository", "remote_media_cache", "state_events", "room_memberships"];
  const counts = await Promise.all(tables.map((table) => count(`SELECT count(*) FROM ${table}`)));
  return { counts: Object.fromEntries(tables.map((table, i) => [table, counts[i]])), files: listFiles(server.paths.mediaStoreDir) };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((entry) => join(entry.parentPath, entry.name)).sort();
}

const figures = (report: PurgeReport) => ({
  deadRooms: report.steps.deadRooms.deleted,
  deadRoomEvents: report.steps.deadRooms.events,
  historyEvents: report.steps.history.events,
  historyRooms: report.steps.history.roomsPurged,
  local: report.steps.media.local,
  remote: report.steps.media.remote,
});

let dryRun: PurgeReport;
let real: PurgeReport;

describe("mxhome purge on a real server", () => {
  test("the first dry run without --yes shows the dead rooms a real run would delete, and that it needs a yes", async () => {
    const report = await run({ dryRun: true });
    expect(report.ok).toBe(true);
    expect(report.steps.deadRooms.status).toBe("planned");
    expect(report.steps.deadRooms.deleted).toBe(1);
    expect(report.steps.deadRooms.events).toBeGreaterThan(0);
    expect(report.steps.deadRooms.rooms.map((room) => room.roomId)).toEqual([rooms.dead]);
    expect(report.steps.deadRooms.note).toContain("a real run asks before deleting them (on a terminal), or needs `mxhome purge --yes`");
    expect(existsSync(deadRoomsConfirmationFile(server.paths))).toBe(false);
  });

  test("--dry-run lists what would go and changes nothing", async () => {
    const before = await databaseSnapshot();
    dryRun = await run({ dryRun: true, yes: true });
    expect(dryRun.ok).toBe(true);
    expect(await databaseSnapshot()).toEqual(before);
    expect(existsSync(deadRoomsConfirmationFile(server.paths))).toBe(false);
    expect(readRunRecord(server.paths, "purge")).toBeUndefined();
    const { deadRooms, history, media, space } = dryRun.steps;
    expect(deadRooms.status).toBe("planned");
    expect(deadRooms.rooms.map((room) => room.roomId)).toEqual([rooms.dead]);
    // Every old message, except the quiet room's last event (it has no newer one).
    expect(history.events).toBe(old.messages.active.length + old.messages.quiet.length - 1 + old.messages.bot.length);
    expect(history.roomsPurged).toBe(3);
    expect(media.local).toEqual({ items: 3, bytes: 3000 + 5000 + 7000 });
    expect(media.remote).toEqual({ items: 1, bytes: 1234 });
    expect(space.status).toBe("planned");
    expect(dryRun.sizes.databaseBytes.after).toBeUndefined();
  });

  test("the real run removes exactly what the dry run said, and records the run", async () => {
    real = await run({ yes: true });
    expect(real.error).toBeUndefined();
    expect(real.ok).toBe(true);
    expect(figures(real)).toEqual(figures(dryRun));
    for (const step of Object.values(real.steps)) expect(step.status).toBe("done");
    const record = readRunRecord(server.paths, "purge");
    expect(record?.ok).toBe(true);
    expect(record?.summary).toContain(`removed ${real.steps.history.events} events`);
    expect(existsSync(deadRoomsConfirmationFile(server.paths))).toBe(true);
  });

  test("old events are gone and new ones stay; state and each room's last event stay (SQL)", async () => {
    const remaining = (ids: string[]) => count(`SELECT count(*) FROM events WHERE event_id IN (${sqlList(ids)})`);
    expect(await remaining(old.messages.active)).toBe(0);
    expect(await remaining(old.messages.bot)).toBe(0);
    expect(await remaining(old.messages.quiet.slice(0, -1))).toBe(0);
    expect(await remaining(old.messages.quiet.slice(-1))).toBe(1);
    expect(await remaining(fresh.messages)).toBe(fresh.messages.length);
    expect(await remaining(old.state)).toBe(old.state.length);
  });

  test("the client API sees only the new messages; the admin API still sees the room state", async () => {
    const page = await server.http.request<{ chunk: { type: string; content: { body?: string } }[] }>(
      "GET",
      `/_matrix/client/v3/rooms/${enc(rooms.active)}/messages`,
      { token: bob.accessToken, query: { dir: "b", limit: 100 } },
    );
    const bodies = page.chunk.filter((event) => event.type === "m.room.message").map((event) => event.content.body ?? "");
    expect(bodies.filter((body) => body.startsWith("old"))).toEqual([]);
    expect(bodies.filter((body) => body.startsWith("new"))).toHaveLength(6);
    const state = await server.adminApi().request<{ state: { type: string }[] }>("GET", `/_synapse/admin/v1/rooms/${enc(rooms.active)}/state`);
    expect(state.state.map((event) => event.type)).toEqual(expect.arrayContaining(["m.room.create", "m.room.member", "m.room.name", "m.room.topic"]));
  });

  test("the abandoned room is gone; the room only the bot stayed in is not", async () => {
    const admin = server.adminApi();
    await expect(admin.request("GET", `/_synapse/admin/v1/rooms/${enc(rooms.dead)}`)).rejects.toMatchObject({ code: "synapse.M_NOT_FOUND" });
    expect(await count(`SELECT count(*) FROM events WHERE room_id = '${rooms.dead}'`)).toBe(0);
    const members = await admin.request<{ members: string[] }>("GET", `/_synapse/admin/v1/rooms/${enc(rooms.bot)}/members`);
    expect(members.members).toEqual([server.bot.userId]);
    expect(real.steps.deadRooms.rooms.map((room) => room.roomId)).toEqual([rooms.dead]);
  });

  test("old media are gone, the avatar and new media stay, and emptied directories are removed", async () => {
    const admin = server.adminApi();
    for (const id of old.media) {
      await expect(admin.request("GET", `/_synapse/admin/v1/media/${server.serverName}/${id}`)).rejects.toMatchObject({ code: "synapse.M_NOT_FOUND" });
    }
    expect(await count(`SELECT count(*) FROM local_media_repository WHERE media_id IN (${sqlList(old.media)})`)).toBe(0);
    expect(await count(`SELECT count(*) FROM local_media_repository WHERE media_id IN (${sqlList([old.avatar, ...fresh.media])})`)).toBe(2);
    expect(existsSync(oldRemoteFile)).toBe(false);
    expect(existsSync(freshRemoteFile)).toBe(true);
    expect(await count("SELECT count(*) FROM remote_media_cache")).toBe(1);
    const empty = Bun.spawnSync(["find", server.paths.mediaStoreDir, "-mindepth", "1", "-type", "d", "-empty"]).stdout.toString().trim();
    expect(empty).toBe("");
    expect(existsSync(server.paths.mediaStoreDir)).toBe(true);
    expect(real.steps.space.emptyDirectories).toBeGreaterThan(0);
  });

  test("the report's sizes match SQL and du", async () => {
    const du = Number(Bun.spawnSync(["du", "-s", "-B1", server.paths.mediaStoreDir]).stdout.toString().split("\t")[0]);
    expect(real.sizes.mediaStoreBytes.after).toBe(du);
    expect(real.sizes.mediaStoreBytes.before!).toBeGreaterThan(du);
    const database = await count("SELECT pg_database_size(current_database())");
    // Synapse keeps writing (statistics, caches) after the run, so allow a little drift.
    expect(Math.abs(real.sizes.databaseBytes.after! - database)).toBeLessThan(database * 0.02);
  });

  test("a second run is a no-op", async () => {
    const before = await databaseSnapshot();
    const again = await run({});
    expect(again.ok).toBe(true);
    const { deadRooms, history, media } = again.steps;
    expect([deadRooms.status, history.status, media.status]).toEqual(["nothing", "nothing", "nothing"]);
    expect(figures(again)).toEqual({ deadRooms: 0, deadRoomEvents: 0, historyEvents: 0, historyRooms: 0, local: { items: 0, bytes: 0 }, remote: { items: 0, bytes: 0 } });
    expect((await databaseSnapshot()).counts).toEqual(before.counts);
  });

  test("once confirmed, a later dead room goes without --yes", async () => {
    const room = await createRoom(server, bob, "Later");
    await sendText(server, bob, room, "soon abandoned");
    await leaveRoom(server, bob, room);
    await waitForLocalMembers(server, room, 0);
    const report = await run({ yes: false, asOf: undefined });
    expect(report.steps.deadRooms.status).toBe("done");
    expect(report.steps.deadRooms.rooms.map((dead) => dead.roomId)).toEqual([room]);
    expect(await count(`SELECT count(*) FROM rooms WHERE room_id = '${room}'`)).toBe(0);
  });

  test("a held lock stops a second run with exit 4", async () => {
    const release = acquireLock(server.paths, "purge");
    try {
      await expect(run({})).rejects.toMatchObject({ code: "lock.held", exitCode: 4 });
    } finally {
      release();
    }
  });

  test("a bad token fails clearly, reports no step done, and records the failure", async () => {
    const stored = readCredentials(server.paths, "service")!;
    writeCredentials(server.paths, "service", { ...stored, accessToken: "syt_bm90aGluZw_bogusbogusbogus_0000" });
    try {
      const report = await run({});
      expect(report.ok).toBe(false);
      expect(report.error?.code).toBe("synapse.M_UNKNOWN_TOKEN");
      expect(report.error?.hint).toContain("mxhome up");
      for (const step of Object.values(report.steps)) expect(step.status).toBe("not-run");
      expect(readRunRecord(server.paths, "purge")?.ok).toBe(false);
    } finally {
      writeCredentials(server.paths, "service", stored);
    }
  });

  test("Synapse down fails clearly with no step reported done", async () => {
    await stopNativeService(server.paths, "synapse");
    try {
      const report = await run({});
      expect(report.ok).toBe(false);
      expect(report.error?.code).toBe("synapse.unreachable");
      for (const step of Object.values(report.steps)) expect(step.status).toBe("not-run");
    } finally {
      await startNativeService(server.paths, server.config, "synapse");
    }
  }, 60_000);

  test("a bad --older-than is a usage error (exit 2) before anything runs", async () => {
    await expect(run({ olderThan: "soon" })).rejects.toMatchObject({ exitCode: 2 } satisfies Partial<MxError>);
  });
});
