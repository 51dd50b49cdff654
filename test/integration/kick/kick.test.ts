/**
 * `mxhome kick` against a real Synapse: a Space made by `mxhome space create`
 * with child rooms, the admin, a server admin, a moderator at 50, the bot, a
 * member who joins first and then does nothing, a poster and a read-receipt
 * lurker who act later, and a member who joins later.
 *
 * Nobody waits 30 days: every time in the decision is real (origin_server_ts,
 * receipt ts, the run's clock as tracking start), and `--as-of` moves the
 * evaluation point instead. Tracking starts at T0 (the first observation);
 * the later activity happens at T1 > T0; `--as-of mid + after_days` with
 * mid = (T0 + T1) / 2 lies between the two halves: the idle member has been
 * quiet and tracked for after_days by then, everyone who acted at T1 not.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { runDoctor } from "../../../src/doctor/index.ts";
import { ledgerFile } from "../../../src/kick/ledger.ts";
import type { KickReport } from "../../../src/kick/report.ts";
import { startTestServer, type TestServer, type TestUser } from "../../support/server.ts";
import { repoRoot } from "../../support/components.ts";
import {
  buildCommunity,
  type Community,
  dayMs,
  joinCommunity,
  kick,
  kickDeps,
  membersEverywhere,
  membersOf,
  proposed,
  readReceipt,
  say,
  setLevel,
  sleep,
} from "./_support.ts";

let server: TestServer;
let community: Community;
let attic: string;
const people: Record<"sysop" | "moderator" | "idle" | "poster" | "lurker" | "later" | "invitee", TestUser> = {} as never;
let t0 = 0;
let t1 = 0;

beforeAll(async () => {
  server = await startTestServer();
  community = await buildCommunity(server, ["General", "Photos"]);
  // A child room made by hand, without the bot: `kick --setup` has to bring it in.
  attic = (
    await server.http.request<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", {
      token: community.ownerToken,
      body: {
        name: "Attic",
        preset: "private_chat",
        initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: community.spaceId }] } }],
      },
    })
  ).room_id;
  await server.http.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(community.spaceId)}/state/m.space.child/${encodeURIComponent(attic)}`, {
    token: community.ownerToken,
    body: { via: [server.serverName] },
  });
  community.all.push(attic);
  for (const name of ["sysop", "moderator", "idle", "poster", "lurker", "later", "invitee"] as const) {
    people[name] = await server.createUser(`${name}-${Date.now().toString(36)}`, { admin: name === "sysop" });
  }
  for (const name of ["sysop", "moderator", "idle", "poster", "lurker"] as const) {
    await joinCommunity(server, community, people[name], [community.rooms.General!, community.rooms.Photos!, attic]);
  }
  for (const roomId of community.all) await setLevel(server, community, roomId, people.moderator.userId, 50);
  // Invited to the Space, never joined.
  await server.http.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(community.spaceId)}/invite`, { token: community.ownerToken, body: { user_id: people.invitee.userId } });
}, 120_000);
afterAll(() => server?.stop(), 60_000);

const deps = () => kickDeps(server);
const asOfBetween = () => Math.round((t0 + t1) / 2) + server.config.kick.after_days * dayMs;

describe("kick on a real Space", () => {
  test("the bot is missing from a room: reported, and --setup fixes it with exactly the needed level", async () => {
    const doctorSays = async () => (await runDoctor({ paths: server.paths, offline: true, only: "bot-membership" })).checks.find((check) => check.id === "bot-membership")!;
    const before = await doctorSays();
    expect(before.status).toBe("fail");
    expect(before.detail).toContain(`${attic}: the bot is not in the room`);

    const planned = await kick(deps(), { mode: "setup", dryRun: true });
    expect(planned.setup!.steps).toEqual([expect.objectContaining({ roomId: attic, join: true, from: 0, raiseTo: 50, actor: server.admin.userId, outcome: "planned" })]);
    expect(await membersOf(server, attic)).not.toContain(server.bot.userId);

    const done = await kick(deps(), { mode: "setup" });
    expect(done.setup!.steps.map((step) => step.outcome)).toEqual(["done"]);
    expect(done.setup!.standings.every((room) => room.joined && room.botLevel === 50 && room.neededLevel === 50)).toBe(true);
    expect(await membersOf(server, attic)).toContain(server.bot.userId);
    expect((await kick(deps(), { mode: "setup" })).setup!.steps).toEqual([]);
    expect((await doctorSays()).status).toBe("ok");
  });

  test("the first observation starts tracking every scope room; a later one continues from the since-token", async () => {
    const first = await kick(deps(), { mode: "observe" });
    expect(first.ledger!.state).toBe("created");
    expect(first.observation!.rooms.started.sort()).toEqual([...community.all].sort());
    expect(first.observation!.incremental).toBe(false);
    t0 = Date.parse(first.observation!.at);

    await sleep(2_000);
    t1 = Date.now();
    const message = await say(server, people.poster, community.rooms.General!, "hello, anyone here?");
    await readReceipt(server, people.lurker, community.rooms.General!, message);
    await joinCommunity(server, community, people.later, [community.rooms.Photos!]);

    const second = await kick(deps(), { mode: "observe" });
    expect(second.ledger!.state).toBe("opened");
    expect(second.observation!.incremental).toBe(true);
    expect(second.observation!.rooms.started).toEqual([]);
    expect(second.observation!.events).toBeGreaterThanOrEqual(4);
  });

  test("--as-of between the two halves proposes exactly the idle member, with its evidence", async () => {
    const report = await kick(deps(), { mode: "preview", asOf: asOfBetween() });
    expect(proposed(report)).toEqual([people.idle.userId]);
    const idle = report.proposals[0]!;
    expect(idle.lastActivity?.source).toBe("join");
    expect(Date.parse(idle.lastActivity!.at)).toBeLessThan(t0);
    expect(idle.rooms.sort()).toEqual([...community.all].sort());
    const reasons = Object.fromEntries(report.keptMembers.map((member) => [member.userId, member.reason]));
    expect(reasons).toMatchObject({
      [server.admin.userId]: "admin-account",
      [server.bot.userId]: "mxhome-account",
      [people.sysop.userId]: "server-admin",
      [people.moderator.userId]: "power-level",
      [people.poster.userId]: "active",
      [people.lurker.userId]: "active",
      [people.later.userId]: "active",
      [people.invitee.userId]: "invited-only",
    });
    expect(report.cap).toMatchObject({ allowed: true, removing: 1, population: 6 });

    const revoking = await kick(deps(), { mode: "preview", asOf: asOfBetween(), revokeInvites: true });
    expect(proposed(revoking)).toEqual([people.idle.userId, people.invitee.userId].sort());
    expect(revoking.proposals.find((proposal) => proposal.userId === people.invitee.userId)).toMatchObject({ kind: "invite", rooms: [community.spaceId] });
    expect(revoking.cap).toMatchObject({ removing: 2, population: 7, allowed: false });
  });

  test("--apply removes the idle member from every room and the Space, and touches nobody else", async () => {
    const before = await membersEverywhere(server, community);
    const report = await kick(deps(), { mode: "apply", asOf: asOfBetween() });
    expect(report.applied).toBe(true);
    expect(report.outcomes!.every((outcome) => outcome.userId === people.idle.userId && outcome.result === "kicked")).toBe(true);
    expect(report.outcomes!.map((outcome) => outcome.roomId).sort()).toEqual([...community.all].sort());
    expect(report.outcomes!.at(-1)!.roomId).toBe(community.spaceId);
    const after = await membersEverywhere(server, community);
    for (const roomId of community.all) expect(after[roomId]).toEqual(before[roomId]!.filter((member) => member !== people.idle.userId));
  });

  test("a later --as-of proposes the others, and the safety cap refuses to apply it (CLI, exit 1)", async () => {
    const later = Date.now() + (server.config.kick.after_days + 1) * dayMs;
    const preview = await kick(deps(), { mode: "preview", asOf: later });
    expect(proposed(preview)).toEqual([people.later.userId, people.lurker.userId, people.poster.userId].sort());
    expect(preview.cap).toMatchObject({ allowed: false, removing: 3, population: 5, limit: 1 });

    const before = await membersEverywhere(server, community);
    const home = resolve(server.paths.configDir, "..", "..");
    const cli = Bun.spawnSync([process.execPath, resolve(repoRoot, "src/cli.ts"), "kick", "--apply", "--yes", "--json", "--as-of", new Date(later).toISOString()], {
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined },
    });
    expect(cli.exitCode).toBe(1);
    const document = JSON.parse(cli.stdout.toString()) as KickReport & { command: string };
    expect(document.command).toBe("kick");
    expect(document.held).toBe("cap");
    expect(document.applied).toBe(false);
    expect(cli.stderr.toString()).toContain("safety cap");
    // The hint keeps the run's --as-of: followed literally, it decides as of the same time.
    expect(cli.stderr.toString()).toContain(`hint: Check the list above. To remove them anyway: mxhome kick --apply --as-of ${new Date(later).toISOString()} --max 3`);
    expect(await membersEverywhere(server, community)).toEqual(before);
  });

  test("a deleted ledger is rebuilt with tracking restarted, and leads to no removals", async () => {
    rmSync(ledgerFile(server.paths));
    const before = await membersEverywhere(server, community);
    const far = Date.now() + 10 * server.config.kick.after_days * dayMs;
    const rebuilt = await kick(deps(), { mode: "apply", asOf: far, max: 100 });
    expect(rebuilt.ledger!.state).toBe("rebuilt");
    expect(rebuilt.held).toBe("tracking-restarted");
    expect(rebuilt.outcomes).toBeUndefined();

    const again = await kick(deps(), { mode: "apply", asOf: asOfBetween(), max: 100 });
    expect(again.proposals).toEqual([]);
    expect(again.keptMembers.filter((member) => member.reason === "tracked-briefly").length).toBeGreaterThan(0);
    expect(await membersEverywhere(server, community)).toEqual(before);
  });
});
