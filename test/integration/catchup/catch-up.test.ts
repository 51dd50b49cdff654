/**
 * After the PC was off: two real federating Synapses (test/support/federation.ts).
 * While `home` is down, carol on `remote` keeps talking; `remote` fails to
 * deliver and backs off. Its retry intervals are shortened (2 s, then
 * ×2500 with jitter: 67 to 117 minutes), so the test can show in seconds
 * what takes hours with the defaults (10 min doubling to 7 days,
 * synapse/config/federation.py):
 * - without a wake-up, `up` brings nothing back within the window;
 * - `mxhome catch-up` (and `up`, which runs it) makes `remote` send at once;
 * - after its second failed try its next one is over an hour away, so it
 *   stops queueing for us (a long outage): catch-up's gap check fetches
 *   what it wrote after that.
 * The control watches 30 s rather than 60 s to keep the suite short: the
 * remote's timer is asserted to have at least 60 s left when `up` starts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { CatchUpReport } from "../../../src/catchup/report.ts";
import { runCatchUp } from "../../../src/catchup/run.ts";
import { readRunRecord } from "../../../src/state/runs.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import type { ServerStatus } from "../../../src/status/types.ts";
import { runMxhome } from "../../support/binary.ts";
import { type Federation, startFederation } from "../../support/federation.ts";
import type { TestServer, TestUser } from "../../support/server.ts";
import { numbered, type OutageScene, outage, ownerScrollsBack, ownerSees, remoteBackoff, say } from "../../support/outage.ts";
import { buildCommunity, type Community, dayMs, joinCommunity, kick, kickDeps, proposed } from "../kick/_support.ts";

let federation: Federation;
let home: TestServer;
let remote: TestServer;
let community: Community;
let carol: TestUser;
let quiet: TestUser;
let lounge: string;
let scene: OutageScene;

beforeAll(async () => {
  federation = await startFederation({ remote: { synapseOverrides: () => remoteBackoff(2500) } });
  ({ home, remote } = federation);
  community = await buildCommunity(home, ["Lounge"]);
  lounge = community.rooms.Lounge!;
  carol = await remote.createUser(`carol-${Date.now().toString(36)}`);
  quiet = await remote.createUser(`quiet-${Date.now().toString(36)}`);
  for (const user of [carol, quiet]) await joinCommunity(home, community, user, [lounge], remote);
  await kick(kickDeps(home), { mode: "observe" });
  scene = { home, remote, roomId: lounge, speaker: carol, ownerToken: community.ownerToken };
}, 180_000);
afterAll(() => federation?.stop(), 60_000);

const twenty = (prefix: string) => numbered(prefix, 20);

describe("after the PC was off", () => {
  test("control: without the wake-up nothing arrives; then `mxhome catch-up` brings all 20 at once", async () => {
    const { since, nextRetry } = await outage(scene, "while off (control)", 20, 60_000);
    await home.up();
    expect(nextRetry - Date.now()).toBeGreaterThan(30_000);
    expect((await ownerSees(scene, since, "while off (control)", 20, 30_000)).bodies).toEqual([]);

    const report = await runCatchUp(home.paths, home.config, home.http, { watchMs: 30_000 });
    expect(report.servers).toEqual([expect.objectContaining({ server: remote.serverName, woken: true, watched: true, via: { method: "profile", userId: expect.stringMatching(new RegExp(`:${remote.serverName}$`)) } })]);
    expect(report.servers[0]!.firstEventMs).toBeLessThan(15_000);
    // A short outage: the oldest event it delivered dates it, and no room had a gap.
    expect(Date.now() - Date.parse(report.servers[0]!.queuedSince!)).toBeLessThan(5 * 60_000);
    expect(report.gaps).toMatchObject({ rooms: [], fetched: 0 });
    expect((await ownerSees(scene, since, "while off (control)", 20, 15_000)).bodies).toEqual(twenty("while off (control)"));
    expect(readRunRecord(home.paths, "catch-up")).toMatchObject({ ok: true, summary: expect.stringContaining("woke 1 of 1 servers") });
  }, 150_000);

  test("`up` wakes the other server: all 20 in the owner's /sync, in order, within 15 s, long before its own retry", async () => {
    const outageStart = Date.now();
    const { since, nextRetry } = await outage(scene, "while off", 20, 60_000);
    const up = await home.up({ catchUp: { watchMs: 10_000 } });
    const upReturned = Date.now();
    expect(nextRetry - upReturned).toBeGreaterThan(15_000);
    const seen = await ownerSees(scene, since, "while off", 20, 15_000);
    expect(seen.bodies).toEqual(twenty("while off"));
    expect(seen.at!).toBeLessThan(nextRetry);
    expect(up.catchUp).toMatchObject({ servers: [{ server: remote.serverName, woken: true }] });

    // status and doctor read the same run record.
    const status = (await gatherStatus({ paths: home.paths })) as ServerStatus;
    expect(status.lastRuns["catch-up"]).toMatchObject({ ok: true, summary: expect.stringContaining("woke 1 of 1 servers") });

    // Kick: carol was active only while home was off; her events carry that time and keep her. The quiet one is proposed.
    await kick(kickDeps(home), { mode: "observe" });
    const preview = await kick(kickDeps(home), { mode: "preview", asOf: outageStart + home.config.kick.after_days * dayMs });
    expect(proposed(preview)).toEqual([quiet.userId]);
    expect(preview.keptMembers).toContainEqual(expect.objectContaining({ userId: carol.userId, reason: "active" }));
  }, 120_000);

  test("the compiled binary: `catch-up --json` wakes the server; `status --json` and `doctor` show the run", () => {
    const homeDir = join(home.paths.configDir, "..", "..");
    const result = runMxhome(["catch-up", "--json", "--watch", "0"], { home: homeDir });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, command: "catch-up", watchedForMs: 0, servers: [{ server: remote.serverName, woken: true }] });
    const status = JSON.parse(runMxhome(["status", "--json"], { home: homeDir }).stdout);
    expect(status.lastRuns["catch-up"]).toMatchObject({ ok: true, summary: "woke 1 of 1 servers" });
    const doctor = JSON.parse(runMxhome(["doctor", "--json", "--offline", "--only", "last-catch-up"], { home: homeDir }).stdout);
    expect(doctor.checks).toEqual([expect.objectContaining({ id: "last-catch-up", status: "ok" })]);
  }, 60_000);

  test("a long outage: `remote` stopped queueing for us; catch-up fetches what it wrote after that, and every message reads back in order", async () => {
    // dave joins now and speaks only after `remote` stopped queueing: his one message comes only by the gap check.
    const dave = await remote.createUser(`dave-${Date.now().toString(36)}`);
    await joinCommunity(home, community, dave, [lounge], remote);
    const outageStart = Date.now();
    const { since, nextRetry } = await outage(scene, "long outage", 20, 3_700_000);
    expect(nextRetry - Date.now()).toBeGreaterThan(3_600_000);
    for (const body of numbered("long outage", 25).slice(20)) await say(remote, carol, lounge, body);
    await say(remote, dave, lounge, "dave while off");

    const up = await home.up({ catchUp: { watchMs: 10_000 } });
    const report = up.catchUp as CatchUpReport;
    expect(report.gaps?.rooms).toEqual([expect.objectContaining({ roomId: lounge, forwardGap: true, closed: true })]);
    expect(report.gaps!.fetched).toBeGreaterThanOrEqual(6);
    // /sync shows what `remote` queued, and not what was fetched (dave's); scrolling back shows all 25, in order, and dave's.
    expect((await ownerSees(scene, since, "long outage", 25, 10_000)).bodies).toEqual(twenty("long outage"));
    expect(await ownerScrollsBack(scene, "long outage")).toEqual(numbered("long outage", 25));
    expect((await ownerSees({ ...scene, speaker: dave }, since, "dave", 1, 1_000)).bodies).toEqual([]);
    expect(await ownerScrollsBack({ ...scene, speaker: dave }, "dave")).toEqual(["dave while off"]);

    // status and doctor: rooms with gaps, and closed.
    const status = (await gatherStatus({ paths: home.paths })) as ServerStatus;
    expect(status.lastRuns["catch-up"]).toMatchObject({ ok: true, summary: expect.stringMatching(/gaps in 1 of \d rooms: \d+ events fetched, all closed/) });

    // Kick reads /sync, which never shows fetched history: catch-up's record tells it dave was active.
    await kick(kickDeps(home), { mode: "observe" });
    const preview = await kick(kickDeps(home), { mode: "preview", asOf: outageStart + home.config.kick.after_days * dayMs });
    expect(preview.keptMembers).toContainEqual(expect.objectContaining({ userId: dave.userId, reason: "active" }));
    expect(proposed(preview)).not.toContain(dave.userId);
  }, 150_000);
});
