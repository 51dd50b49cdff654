/**
 * Faults: Synapse going away in the middle of a run, while observing and
 * while removing. Nothing half-written stays behind (the ledger and its
 * since-token move together, in one transaction), nobody else is touched,
 * and running the command again completes the job.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { ledgerFile } from "../../../src/kick/ledger.ts";
import { stopNativeService } from "../../../src/runtime/native/services.ts";
import { readRunRecord } from "../../../src/state/runs.ts";
import type { SynapseHttp } from "../../../src/synapse/http.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { startTestServer, type TestServer, type TestUser } from "../../support/server.ts";
import { buildCommunity, type Community, dayMs, joinCommunity, kick, kickDeps, membersEverywhere, say, sleep } from "./_support.ts";

let server: TestServer;
let community: Community;
let idle: TestUser;
let keeper: TestUser;
let t0 = 0;
let tKeeper = 0;

beforeAll(async () => {
  server = await startTestServer();
  community = await buildCommunity(server, ["General", "Photos"]);
  idle = await server.createUser(`idle-${Date.now().toString(36)}`);
  keeper = await server.createUser(`keeper-${Date.now().toString(36)}`);
  for (const user of [idle, keeper]) await joinCommunity(server, community, user, Object.values(community.rooms));
}, 120_000);
afterAll(() => server?.stop(), 60_000);

/** The real transport, except that Synapse is stopped right after the first request `when` matches. */
function stopSynapseAfter(when: (method: string, path: string) => boolean): SynapseHttp {
  let stopped = false;
  return {
    baseUrl: server.http.baseUrl,
    async request<T>(method: string, path: string, options?: Parameters<SynapseHttp["request"]>[2]): Promise<T> {
      const answer = await server.http.request<T>(method, path, options);
      if (!stopped && when(method, path)) {
        stopped = true;
        await stopNativeService(server.paths, "synapse");
      }
      return answer;
    },
  };
}

const since = () => {
  const db = new Database(ledgerFile(server.paths), { readonly: true });
  try {
    return db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'since'").get()?.value;
  } finally {
    db.close();
  }
};

describe("Synapse goes down mid-run", () => {
  test("while observing: the run fails, the ledger is as it was, and a rerun completes", async () => {
    const first = await kick(kickDeps(server), { mode: "observe" });
    t0 = Date.parse(first.observation!.at);
    const tokenBefore = since();
    await sleep(2_000);
    tKeeper = Date.now();
    await keeperSpeaks();

    const failing = kickDeps(server, { http: stopSynapseAfter((_method, path) => path.endsWith("/joined_rooms")) });
    const error = await kick(failing, { mode: "observe" }).catch((caught) => caught);
    expect(error).toBeInstanceOf(MxError);
    expect((error as MxError).code).toBe("synapse.unreachable");
    expect(since()).toBe(tokenBefore);
    expect(readRunRecord(server.paths, "kick")).toMatchObject({ ok: false });

    await server.up();
    const rerun = await kick(kickDeps(server), { mode: "observe" });
    expect(rerun.ledger!.state).toBe("opened");
    expect(rerun.observation!.incremental).toBe(true);
    expect(rerun.observation!.events).toBeGreaterThan(0);
    expect(since()).not.toBe(tokenBefore);
    expect(readRunRecord(server.paths, "kick")).toMatchObject({ ok: true });
  }, 120_000);

  test("while removing: the removals so far are reported, nobody else is touched, and a rerun finishes the job", async () => {
    // Between tracking start and the keeper's message: only the idle member has been quiet for after_days by then.
    const asOf = Math.round((t0 + tKeeper) / 2) + server.config.kick.after_days * dayMs;
    const before = await membersEverywhere(server, community);
    const failing = kickDeps(server, { http: stopSynapseAfter((method, path) => method === "POST" && path.endsWith("/kick")) });
    const error = await kick(failing, { mode: "apply", asOf, max: 1 }).catch((caught) => caught);
    expect((error as MxError).code).toBe("kick.apply-interrupted");
    const record = readRunRecord(server.paths, "kick")!;
    expect(record.ok).toBe(false);
    const outcomes = (record.report as { outcomes: { userId: string; roomId: string; result: string }[] }).outcomes;
    expect(outcomes).toEqual([{ userId: idle.userId, roomId: expect.any(String), result: "kicked" }]);

    await server.up();
    const halfway = await membersEverywhere(server, community);
    for (const roomId of community.all) {
      const expected = roomId === outcomes[0]!.roomId ? before[roomId]!.filter((member) => member !== idle.userId) : before[roomId];
      expect(halfway[roomId]).toEqual(expected!);
    }

    const rerun = await kick(kickDeps(server), { mode: "apply", asOf, max: 1 });
    expect(rerun.proposals.map((proposal) => proposal.userId)).toEqual([idle.userId]);
    expect(rerun.outcomes!.map((outcome) => outcome.roomId).sort()).toEqual(community.all.filter((roomId) => roomId !== outcomes[0]!.roomId).sort());
    const after = await membersEverywhere(server, community);
    for (const roomId of community.all) expect(after[roomId]).toEqual(before[roomId]!.filter((member) => member !== idle.userId));
  }, 120_000);
});

describe("the bot loses a room", () => {
  test("kicked from a room: the room is unobserved, apply refuses, --setup brings the bot back and tracking starts over", async () => {
    const photos = community.rooms.Photos!;
    await server.http.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(photos)}/kick`, { token: community.ownerToken, body: { user_id: server.bot.userId } });
    const blind = await kick(kickDeps(server), { mode: "apply", asOf: Date.now() + 400 * dayMs, max: 10 });
    expect(blind.scope.unobserved).toEqual([photos]);
    expect(blind.held).toBe("unobserved-rooms");
    expect(blind.outcomes).toBeUndefined();

    expect((await kick(kickDeps(server), { mode: "setup" })).setup!.steps).toEqual([expect.objectContaining({ roomId: photos, outcome: "done" })]);
    const back = await kick(kickDeps(server), { mode: "observe" });
    expect(back.observation!.rooms.started).toEqual([photos]);
  }, 60_000);

  test("kicked and back again between two runs: the rejoin is noticed and that room's tracking starts over", async () => {
    const general = community.rooms.General!;
    await kick(kickDeps(server), { mode: "observe" });
    await server.http.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(general)}/kick`, { token: community.ownerToken, body: { user_id: server.bot.userId } });
    await kick(kickDeps(server), { mode: "setup" });
    const report = await kick(kickDeps(server), { mode: "observe" });
    expect(report.observation!.rooms.started).toEqual([general]);
    expect(report.scope.unobserved).toEqual([]);
  }, 60_000);
});

/** The keeper stays active, so only the idle member is proposed. */
const keeperSpeaks = () => say(server, keeper, community.rooms.General!, "still here");
