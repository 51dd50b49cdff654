/**
 * `mxhome space` against two real federating homeservers: the structure it
 * builds (read back through the client API), idempotence, who may join, and
 * the doctor's Space checks with their fixes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join as joinPath, resolve } from "node:path";
import { loadConfig } from "../../../src/config/load.ts";
import { renderConfigToml } from "../../../src/config/render-toml.ts";
import { runDoctor } from "../../../src/doctor/index.ts";
import type { CheckResult } from "../../../src/doctor/types.ts";
import { type MatrixApi, openMatrixApi } from "../../../src/matrix/client.ts";
import type { PowerLevelsContent, StateEvent } from "../../../src/matrix/types.ts";
import { convergeSpace, type ConvergeRequest } from "../../../src/space/converge.ts";
import { runSpaceDemote } from "../../../src/space/demote.ts";
import { formatInviteReport } from "../../../src/space/format.ts";
import { runSpaceInvite } from "../../../src/space/invite.ts";
import { adminStateReader } from "../../../src/space/observe.ts";
import { runSpaceShow } from "../../../src/space/show.ts";
import { readSpaceState, resolveKickScopeRoot } from "../../../src/space/state.ts";
import { loginWithPassword } from "../../../src/synapse/client.ts";
import { isMatrixError } from "../../../src/synapse/http.ts";
import { type Federation, startFederation } from "../../support/federation.ts";
import { repoRoot } from "../../support/components.ts";
import { freePort } from "../../support/ports.ts";
import type { TestServer, TestUser } from "../../support/server.ts";

let federation: Federation;
let home: TestServer;
let remote: TestServer;
/** The human admin, through the client API. */
let admin: MatrixApi;

beforeAll(async () => {
  federation = await startFederation();
  ({ home, remote } = federation);
  admin = await openMatrixApi(home.synapseUrl, { userId: home.admin.userId, accessToken: await home.adminApi().loginAs(home.admin.userId) });
}, 120_000);
afterAll(() => federation?.stop(), 60_000);

const converge = (request: Partial<ConvergeRequest>) => convergeSpace(home.paths, home.config, { rooms: [], dryRun: false, ...request });
const family = { name: "Family", alias: "family" };
const spaceId = () => readSpaceState(home.paths)!.spaceId;
const childId = async (name: string) => (await runSpaceShow(home.paths, home.config)).rooms.find((room) => room.name === name)!.roomId;
const find = (events: StateEvent[], type: string, stateKey = "") => events.find((event) => event.type === type && event.state_key === stateKey)?.content;
const join = (server: TestServer, user: TestUser, roomId: string) =>
  server.http.request<{ room_id: string }>("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: user.accessToken, body: {}, query: { via: home.serverName } });
const checkResult = async (id: string): Promise<CheckResult> => (await runDoctor({ paths: home.paths, offline: true, only: id, timeoutMs: 30_000 })).checks.find((check) => check.id === id)!;
const setPowerLevel = async (roomId: string, userId: string, level: number) => {
  const levels = (await admin.powerLevels(roomId))!;
  await admin.putState(roomId, "m.room.power_levels", { ...levels, users: { ...levels.users, [userId]: level } });
};

/** Power levels as `space create` writes them (room version 12: the admin is the creator, above every level, so not listed). */
const expectedLevels = (bot: string, kind: "space" | "room"): PowerLevelsContent => ({
  users: { [bot]: 50 },
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
    "m.room.tombstone": 150,
    [kind === "space" ? "m.space.child" : "m.space.parent"]: 100,
  },
  events_default: kind === "space" ? 100 : 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 50,
  historical: 100,
});

describe("the federation pair", () => {
  test("a user on the remote server joins a room on home", async () => {
    const host = await home.createUser();
    const dave = await remote.createUser("dave");
    const room = await home.http.request<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", { token: host.accessToken, body: { preset: "private_chat" } });
    await home.http.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(room.room_id)}/invite`, { token: host.accessToken, body: { user_id: dave.userId } });
    await join(remote, dave, room.room_id);
    const members = await home.http.request<{ joined: Record<string, unknown> }>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(room.room_id)}/joined_members`, { token: host.accessToken });
    expect(Object.keys(members.joined).sort()).toEqual([dave.userId, host.userId].sort());
    expect(dave.userId).toBe(`@dave:${remote.serverName}`);
  }, 60_000);
});

describe("mxhome space", () => {
  test("create builds exactly the Space and its rooms", async () => {
    const configBefore = readFileSync(home.paths.configFile, "utf8");
    const adminTokens = () => home.sql(`SELECT count(*) FROM access_tokens WHERE '${home.admin.userId}' IN (user_id, puppets_user_id)`);
    const tokensBefore = await adminTokens();
    const report = await converge({ space: family, rooms: [{ name: "General", encrypted: true }, { name: "Photos", encrypted: false }] });
    // mxhome acted as the admin with a token of its own making, and logged it out.
    expect(await adminTokens()).toBe(tokensBefore);
    expect(report.changed).toBe(true);
    expect(report.link).toBe(`https://matrix.to/#/#family:${home.serverName}`);
    const bot = home.bot.userId;
    const space = await admin.state(spaceId());
    expect(find(space, "m.room.create")).toMatchObject({ type: "m.space", room_version: "12" });
    expect(space.find((event) => event.type === "m.room.create")!.sender).toBe(home.admin.userId);
    expect(find(space, "m.room.join_rules")).toEqual({ join_rule: "invite" });
    expect(find(space, "m.room.history_visibility")).toEqual({ history_visibility: "shared" });
    expect(find(space, "m.room.guest_access")).toEqual({ guest_access: "forbidden" });
    expect(find(space, "m.room.encryption")).toBeUndefined();
    expect(find(space, "m.room.power_levels")).toEqual(expectedLevels(bot, "space"));
    expect(find(space, "m.room.canonical_alias")).toEqual({ alias: `#family:${home.serverName}` });
    expect(await admin.resolveAlias(`#family:${home.serverName}`)).toBe(spaceId());
    expect((await admin.joinedMembers(spaceId())).sort()).toEqual([bot, home.admin.userId].sort());

    const hierarchy = await admin.hierarchy(spaceId());
    expect(hierarchy.map((room) => [room.name, room.room_type ?? "room"])).toEqual([["Family", "m.space"], ["General", "room"], ["Photos", "room"]]);
    for (const { name, encrypted } of [{ name: "General", encrypted: true }, { name: "Photos", encrypted: false }]) {
      const roomId = hierarchy.find((room) => room.name === name)!.room_id;
      const state = await admin.state(roomId);
      expect(find(space, "m.space.child", roomId)).toEqual({ via: [home.serverName] });
      expect(find(state, "m.space.parent", spaceId())).toEqual({ via: [home.serverName], canonical: true });
      expect(find(state, "m.room.join_rules")).toEqual({ join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: spaceId() }] });
      expect(find(state, "m.room.encryption")).toEqual(encrypted ? { algorithm: "m.megolm.v1.aes-sha2" } : undefined);
      expect(find(state, "m.room.history_visibility")).toEqual({ history_visibility: "shared" });
      expect(find(state, "m.room.power_levels")).toEqual(expectedLevels(bot, "room"));
      expect(find(state, "m.room.create")).toMatchObject({ room_version: "12" });
      // Without --alias, each room is still named by an alias: room version 12 ids carry no server to join through.
      expect(find(state, "m.room.canonical_alias")).toEqual({ alias: `#${name.toLowerCase()}:${home.serverName}` });
      expect(await admin.resolveAlias(`#${name.toLowerCase()}:${home.serverName}`)).toBe(roomId);
      expect((await admin.joinedMembers(roomId)).sort()).toEqual([bot, home.admin.userId].sort());
    }
    // The Space id is in the state dir, kick's default scope resolves to it, and mxhome.toml is untouched.
    expect(resolveKickScopeRoot(home.paths, home.config)).toEqual({ kind: "space", roomId: spaceId() });
    expect(readFileSync(home.paths.configFile, "utf8")).toBe(configBefore);
  }, 60_000);

  test("a second run changes nothing", async () => {
    const read = adminStateReader(home.adminApi());
    const roomIds = [spaceId(), await childId("General"), await childId("Photos")];
    const eventIds = async () => (await Promise.all(roomIds.map(read))).map((events) => events.map((event) => event.event_id).sort());
    const before = await eventIds();
    const report = await converge({ space: family, rooms: [{ name: "General", encrypted: true }, { name: "Photos", encrypted: false }] });
    expect(report.changed).toBe(false);
    expect([report.space, ...report.rooms].every((target) => !target.created && target.changes.length === 0)).toBe(true);
    expect(await eventIds()).toEqual(before);
  }, 60_000);

  test("a second Space is refused; add-room plans with --dry-run and changes nothing", async () => {
    await expect(converge({ space: { name: "Other" } })).rejects.toMatchObject({ code: "space.exists", exitCode: 2 });
    const plan = await converge({ rooms: [{ name: "Later", encrypted: true }], dryRun: true });
    expect(plan.rooms[0]).toMatchObject({ name: "Later", created: true });
    expect(plan.rooms[0]!.changes).toContain("join rule: members of the Space");
    expect((await runSpaceShow(home.paths, home.config)).rooms.map((room) => room.name)).toEqual(["Family", "General", "Photos"]);
  }, 60_000);

  test("add-room adds a linked room with an alias, once", async () => {
    const first = await converge({ rooms: [{ name: "Games", alias: "games", encrypted: true }] });
    expect(first.rooms[0]!.created).toBe(true);
    expect(await admin.resolveAlias(`#games:${home.serverName}`)).toBe(first.rooms[0]!.roomId!);
    const again = await converge({ rooms: [{ name: "Games", alias: "games", encrypted: true }] });
    expect(again.changed).toBe(false);
  }, 60_000);

  test("without --alias a taken slug gets a number; running again gives an alias-less room one", async () => {
    const elsewhere = await admin.createRoom({ name: "Someone's music", room_alias_name: "music", preset: "private_chat" });
    const music = await converge({ rooms: [{ name: "Music", encrypted: true }] });
    expect(music.rooms[0]!.changes).toContain(`alias #music-2:${home.serverName}`);
    expect(await admin.resolveAlias(`#music-2:${home.serverName}`)).toBe(music.rooms[0]!.roomId!);
    expect(await admin.resolveAlias(`#music:${home.serverName}`)).toBe(elsewhere);
    // A room made before aliases were the default: no canonical alias, no directory entry.
    const roomId = music.rooms[0]!.roomId!;
    await admin.putState(roomId, "m.room.canonical_alias", {});
    await home.adminApi().request("DELETE", `/_matrix/client/v3/directory/room/${encodeURIComponent(`#music-2:${home.serverName}`)}`);
    const again = await converge({ rooms: [{ name: "Music", encrypted: true }] });
    expect(again.rooms[0]!.changes).toEqual([`alias #music-2:${home.serverName}`]);
    expect(await admin.stateEvent(roomId, "m.room.canonical_alias")).toEqual({ alias: `#music-2:${home.serverName}` });
    expect((await converge({ rooms: [{ name: "Music", encrypted: true }] })).changed).toBe(false);
  }, 60_000);

  test("Space members can join its rooms; people who never joined the Space cannot", async () => {
    const [alice, bob, carol] = [await home.createUser(), await home.createUser(), await home.createUser()];
    const invited = await runSpaceInvite(home.paths, home.config, [alice.userId, carol.userId]);
    expect(invited.users.map((user) => user.outcome)).toEqual(["invited", "invited"]);
    expect(invited.link).toBe(`https://matrix.to/#/#family:${home.serverName}`);
    await join(home, alice, spaceId());
    expect((await join(home, alice, await childId("General"))).room_id).toBe(await childId("General"));
    for (const outsider of [bob, carol]) {
      const refused = await join(home, outsider, await childId("General")).catch((error) => error);
      expect(isMatrixError(refused, "M_FORBIDDEN")).toBe(true);
    }
    const again = await runSpaceInvite(home.paths, home.config, [alice.userId, carol.userId]);
    expect(again.users.map((user) => user.outcome)).toEqual(["already-member", "already-invited"]);
  }, 60_000);

  test("show: tree, rules, encryption, members, power, rooms with only local members", async () => {
    const report = await runSpaceShow(home.paths, home.config);
    const byName = Object.fromEntries(report.rooms.map((room) => [room.name, room]));
    expect(report.rooms.map((room) => [room.name, room.depth, room.kind])).toEqual([["Family", 0, "space"], ["General", 1, "room"], ["Photos", 1, "room"], ["Games", 1, "room"], ["Music", 1, "room"]]);
    expect(byName.Family).toMatchObject({ joinRule: "invite", alias: `#family:${home.serverName}`, encrypted: false, members: { joined: 3, invited: 1, joinedFromOtherServers: 0 } });
    expect(byName.General).toMatchObject({ joinRule: "restricted", restrictedToSpace: true, encrypted: true, members: { joined: 3 } });
    expect(byName.Photos).toMatchObject({ restrictedToSpace: true, encrypted: false });
    expect(byName.Family!.powerLevels).toEqual([{ userId: home.admin.userId, level: "creator" }, { userId: home.bot.userId, level: 50 }]);
    expect(report.unreachableWhileOff).toEqual(["Family", "General", "Photos", "Games", "Music"]);
  }, 60_000);
  test("invite checks every invitee first: an unknown local one stops it all (exit 2), doubtful remote ones only warn", async () => {
    const frank = await home.createUser();
    const refused = await runSpaceInvite(home.paths, home.config, [frank.userId, `@nobody:${home.serverName}`]).catch((error) => error);
    expect(refused).toMatchObject({ code: "space.invitee-unknown", exitCode: 2, hint: "Create the account first: mxhome user add nobody" });
    expect(refused.message).toContain(`@nobody:${home.serverName} has no account on this server`);
    // Nothing was sent, not even frank's invite.
    expect((await admin.members(spaceId())).some((event) => event.state_key === frank.userId)).toBe(false);

    // A remote account that signed in somewhere has a device with keys, which its server tells ours about.
    const gina = await remote.createUser("gina");
    const session = await loginWithPassword(remote.http, gina.userId, gina.password);
    const device = session.deviceId!;
    await remote.http.request("POST", "/_matrix/client/v3/keys/upload", {
      token: session.accessToken,
      body: { device_keys: { user_id: gina.userId, device_id: device, algorithms: ["m.olm.v1.curve25519-aes-sha2"], keys: { [`ed25519:${device}`]: "x", [`curve25519:${device}`]: "y" }, signatures: {} } },
    });
    const closedPort = await freePort();
    const report = await runSpaceInvite(home.paths, home.config, [frank.userId, gina.userId, `@nobody:${remote.serverName}`, `@ghost:localhost:${closedPort}`]);
    const byId = Object.fromEntries(report.users.map((user) => [user.userId, user]));
    expect(byId[frank.userId]).toEqual({ userId: frank.userId, outcome: "invited" });
    expect(byId[gina.userId]).toEqual({ userId: gina.userId, outcome: "invited" });
    expect(byId[`@nobody:${remote.serverName}`]).toMatchObject({ outcome: "invited", warning: `${remote.serverName} knows no device of @nobody:${remote.serverName}: no such account, or it never signed in; check the spelling` });
    expect(byId[`@ghost:localhost:${closedPort}`]!.warning).toStartWith(`could not check @ghost:localhost:${closedPort}: localhost:${closedPort} did not answer`);
    expect(formatInviteReport(report, false)).toContain("(warning: ");
  }, 120_000);
});

describe("doctor's Space checks", () => {
  let erin: TestUser;

  test("a member from another homeserver at power level 50 fails remote-power, named; demote fixes it", async () => {
    erin = await remote.createUser("erin");
    expect((await runSpaceInvite(home.paths, home.config, [erin.userId])).users[0]).toMatchObject({ userId: erin.userId, outcome: "invited" });
    await join(remote, erin, spaceId());
    const general = await childId("General");
    await join(remote, erin, general);
    expect((await runSpaceShow(home.paths, home.config)).unreachableWhileOff).toEqual(["Photos", "Games", "Music"]);
    expect((await checkResult("remote-power")).status).toBe("ok");

    await setPowerLevel(general, erin.userId, 50);
    const failed = await checkResult("remote-power");
    expect(failed.status).toBe("fail");
    expect(failed.detail).toContain(`${erin.userId} has power level 50 in "General" (${general})`);
    expect(failed.fix).toContain(`mxhome space demote ${erin.userId}`);

    const demoted = await runSpaceDemote(home.paths, home.config, [erin.userId], false);
    expect(demoted.steps).toEqual([expect.objectContaining({ userId: erin.userId, roomId: general, from: "50", to: 0, outcome: "lowered" })]);
    expect((await admin.powerLevels(general))!.users![erin.userId]).toBeUndefined();
    expect((await checkResult("remote-power")).status).toBe("ok");
  }, 60_000);

  test("the same member listed in trusted_remote_users passes; a local member at 50 passes", async () => {
    const general = await childId("General");
    await setPowerLevel(general, erin.userId, 50);
    const original = readFileSync(home.paths.configFile, "utf8");
    const config = loadConfig(home.paths.configFile);
    config.space.trusted_remote_users = [erin.userId];
    writeFileSync(home.paths.configFile, renderConfigToml(config));
    try {
      expect((await checkResult("remote-power")).status).toBe("ok");
    } finally {
      writeFileSync(home.paths.configFile, original);
    }
    await runSpaceDemote(home.paths, home.config, [erin.userId], false);
    const local = await home.createUser();
    await runSpaceInvite(home.paths, home.config, [local.userId]);
    await join(home, local, spaceId());
    await setPowerLevel(spaceId(), local.userId, 50);
    expect((await checkResult("remote-power")).status).toBe("ok");
  }, 60_000);

  test("a room not restricted to the Space warns; add-room brings it back, encryption untouched", async () => {
    const photos = await childId("Photos");
    expect((await checkResult("space-join-rules")).status).toBe("ok");
    await admin.putState(photos, "m.room.join_rules", { join_rule: "invite" });
    const warned = await checkResult("space-join-rules");
    expect(warned.status).toBe("warn");
    expect(warned.detail).toContain(`"Photos" (${photos}) has join rule "invite"`);
    expect(warned.fix).toBe('mxhome space add-room "Photos"');
    const fixed = await converge({ rooms: [{ name: "Photos", encrypted: true }] });
    expect(fixed.rooms[0]!.changes).toEqual(["join rule invite → Space members"]);
    expect(await admin.stateEvent(photos, "m.room.encryption")).toBeUndefined();
    expect((await checkResult("space-join-rules")).status).toBe("ok");
  }, 60_000);

  test("the bot above the level kick needs warns; create brings it back to 50", async () => {
    expect((await checkResult("bot-power")).status).toBe("ok");
    await setPowerLevel(spaceId(), home.bot.userId, 75);
    const warned = await checkResult("bot-power");
    expect(warned.status).toBe("warn");
    expect(warned.detail).toContain("power level 75");
    expect(warned.fix).toBe('mxhome space create --name "Family"');
    expect((await converge({ space: { name: "Family" } })).space.changes).toEqual(["bot power level 75 → 50"]);
    expect((await checkResult("bot-power")).status).toBe("ok");
  }, 60_000);
});

describe("the command", () => {
  test("space show --json and a no-op create print one document and nothing from matrix-js-sdk", () => {
    const env: Record<string, string | undefined> = { ...process.env, HOME: resolve(home.paths.configDir, "..", ".."), NO_COLOR: "1" };
    for (const key of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "MXHOME_CONFIG"]) delete env[key];
    const cli = (args: string[]) => Bun.spawnSync([process.execPath, joinPath(repoRoot, "src", "cli.ts"), "space", ...args], { env });
    const shown = cli(["show", "--json"]);
    expect(shown.stderr.toString()).toBe("");
    expect(JSON.parse(shown.stdout.toString())).toMatchObject({ schemaVersion: 1, command: "space show", spaceId: spaceId() });
    const created = cli(["create", "--name", "Family", "--room", "General", "--room", "Photos"]);
    expect(created.stderr.toString()).toBe("");
    expect(created.exitCode).toBe(0);
    expect(created.stdout.toString()).toContain("Nothing to change.");
  }, 60_000);
});
