/**
 * Members from another homeserver are treated like local ones: two real
 * Synapses federating on loopback (test/support/federation.ts). A remote
 * member who joined and went quiet is observed, proposed and removed from
 * every room and the Space; the owner's alt account on the other server,
 * listed in `[kick] exempt_users`, never is.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Config } from "../../../src/config/schema.ts";
import { type Federation, startFederation } from "../../support/federation.ts";
import type { TestServer, TestUser } from "../../support/server.ts";
import { buildCommunity, type Community, dayMs, joinCommunity, kick, kickDeps, membersEverywhere, proposed, say, sleep } from "./_support.ts";

let federation: Federation;
let home: TestServer;
let remote: TestServer;
let community: Community;
let carol: TestUser;
let alt: TestUser;
let local: TestUser;
let config: Config;
let t0 = 0;
let t1 = 0;

beforeAll(async () => {
  federation = await startFederation();
  ({ home, remote } = federation);
  community = await buildCommunity(home, ["General", "Photos"]);
  carol = await remote.createUser(`carol-${Date.now().toString(36)}`);
  alt = await remote.createUser(`owner-alt-${Date.now().toString(36)}`);
  local = await home.createUser(`dave-${Date.now().toString(36)}`);
  for (const user of [carol, alt]) await joinCommunity(home, community, user, Object.values(community.rooms), remote);
  await joinCommunity(home, community, local, Object.values(community.rooms));
  // A pattern, as the README suggests for "my own account elsewhere".
  config = { ...home.config, kick: { ...home.config.kick, exempt_users: [`@owner-alt-*:${remote.serverName}`] } };
}, 180_000);
afterAll(() => federation?.stop(), 60_000);

const asOf = () => Math.round((t0 + t1) / 2) + config.kick.after_days * dayMs;

describe("kick across federation", () => {
  test("a remote member is observed like a local one", async () => {
    const first = await kick(kickDeps(home, { config }), { mode: "observe" });
    t0 = Date.parse(first.observation!.at);
    await sleep(2_000);
    t1 = Date.now();
    await say(home, local, community.rooms.General!, "I'm still around");
    await kick(kickDeps(home, { config }), { mode: "observe" });

    const preview = await kick(kickDeps(home, { config }), { mode: "preview", asOf: asOf() });
    expect(proposed(preview)).toEqual([carol.userId]);
    expect(preview.proposals[0]!.lastActivity?.source).toBe("join");
    expect(preview.proposals[0]!.rooms.sort()).toEqual([...community.all].sort());
    expect(preview.keptMembers).toContainEqual({ userId: alt.userId, reason: "exempt-user" });
    expect(preview.keptMembers).toContainEqual(expect.objectContaining({ userId: local.userId, reason: "active" }));
  });

  test("the remote member is removed from every room and the Space; the exempt alt stays", async () => {
    const before = await membersEverywhere(home, community);
    for (const roomId of community.all) expect(before[roomId]).toEqual(expect.arrayContaining([carol.userId, alt.userId]));
    const report = await kick(kickDeps(home, { config }), { mode: "apply", asOf: asOf(), max: 1 });
    expect(report.outcomes!.map((outcome) => [outcome.userId, outcome.result])).toEqual(community.all.map(() => [carol.userId, "kicked"]));
    expect(report.outcomes!.at(-1)!.roomId).toBe(community.spaceId);
    const after = await membersEverywhere(home, community);
    for (const roomId of community.all) expect(after[roomId]).toEqual(before[roomId]!.filter((member) => member !== carol.userId));

    // Much later, with nobody doing anything: still never the alt.
    const far = await kick(kickDeps(home, { config }), { mode: "preview", asOf: Date.now() + 10 * config.kick.after_days * dayMs });
    expect(proposed(far)).not.toContain(alt.userId);
    expect(proposed(far)).toContain(local.userId);
  });
});
