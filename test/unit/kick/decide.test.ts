import { describe, expect, test } from "bun:test";
import { capPopulation, checkCap, dayMs, decideKicks, type KeepReason } from "../../../src/kick/decide.ts";
import type { Activity, KickPolicy, MemberEvidence, RoomMembership } from "../../../src/kick/types.ts";

const now = Date.parse("2030-06-01T00:00:00Z");
const daysAgo = (days: number) => now - days * dayMs;
const policy: KickPolicy = {
  afterDays: 30,
  exemptPowerLevel: 50,
  exemptUsers: ["@alt:other.org", "@*:trusted.org"],
  protectedUsers: ["@mxhome-bot:home.org", "@mxhome:home.org"],
  adminUser: "@admin:home.org",
  revokeInvites: false,
};

const room = (roomId: string, membership: RoomMembership["membership"], sinceDays: number, observedDays: number): RoomMembership => ({
  roomId,
  membership,
  since: daysAgo(sinceDays),
  firstObserved: daysAgo(observedDays),
});
const activity = (userId: string, days: number, source: Activity["source"] = "message"): Activity => ({ userId, source, ts: daysAgo(days), roomId: "!a:home.org" });

/** A local member, joined 100 days ago, tracked 60 days, last active 40 days ago, level 0, known not to be admin. */
function member(userId: string, overrides: Partial<MemberEvidence> = {}): MemberEvidence {
  return {
    userId,
    local: userId.endsWith(":home.org"),
    memberships: [room("!a:home.org", "join", 100, 60), room("!space:home.org", "join", 100, 60)],
    lastActivity: activity(userId, 40),
    maxLevel: 0,
    serverAdmin: false,
    ...overrides,
  };
}

type Row = [name: string, evidence: MemberEvidence, expected: "proposed" | KeepReason, policyOverride?: Partial<KickPolicy>];

const rows: Row[] = [
  ["quiet for 40 days, tracked 60, joined 100: proposed", member("@quiet:home.org"), "proposed"],
  ["no evidence at all is as quiet as can be", member("@ghost:home.org", { lastActivity: undefined }), "proposed"],
  ["exactly after_days quiet is enough", member("@edge:home.org", { lastActivity: activity("@edge:home.org", 30) }), "proposed"],
  ["one millisecond short of after_days is active", member("@almost:home.org", { lastActivity: { ...activity("@almost:home.org", 30), ts: daysAgo(30) + 1 } }), "active"],
  ["a read receipt 10 days ago", member("@reader:home.org", { lastActivity: activity("@reader:home.org", 10, "receipt") }), "active"],
  ["tracked 20 days only", member("@new-ledger:home.org", { memberships: [room("!a:home.org", "join", 100, 20)] }), "tracked-briefly"],
  ["tracking counts from the latest-observed room", member("@two:home.org", { memberships: [room("!a:home.org", "join", 100, 60), room("!b:home.org", "join", 100, 5)] }), "tracked-briefly"],
  ["joined 20 days ago (a profile change later doesn't matter: since is the join)", member("@newbie:home.org", { memberships: [room("!a:home.org", "join", 20, 60)], lastActivity: activity("@newbie:home.org", 40) }), "joined-recently"],
  ["joined a second room recently: the latest join counts", member("@roamer:home.org", { memberships: [room("!a:home.org", "join", 100, 60), room("!b:home.org", "join", 10, 60)] }), "joined-recently"],
  ["the bot", member("@mxhome-bot:home.org"), "mxhome-account"],
  ["mxhome's service account", member("@mxhome:home.org"), "mxhome-account"],
  ["the human admin", member("@admin:home.org"), "admin-account"],
  ["a server admin", member("@sysop:home.org", { serverAdmin: true }), "server-admin"],
  ["a local member whose admin status was not asked yet", member("@unknown:home.org", { serverAdmin: undefined }), "admin-unknown"],
  ["an exempt user by id", member("@alt:other.org", { local: false }), "exempt-user"],
  ["an exempt user by pattern", member("@bob:trusted.org", { local: false }), "exempt-user"],
  ["a pattern must match the whole id", member("@bob:trusted.org.evil", { local: false }), "proposed"],
  ["a moderator at 50", member("@mod:home.org", { maxLevel: 50 }), "power-level"],
  ["a room creator (infinite power)", member("@creator:home.org", { maxLevel: Number.POSITIVE_INFINITY }), "power-level"],
  ["level 49 is not exempt", member("@almostmod:home.org", { maxLevel: 49 }), "proposed"],
  ["a remote member is treated alike", member("@carol:other.org", { local: false, serverAdmin: false }), "proposed"],
  ["a remote member needs no admin lookup", member("@dan:other.org", { local: false, serverAdmin: undefined }), "proposed"],
  ["invited 60 days ago, never joined", member("@invitee:home.org", { memberships: [room("!space:home.org", "invite", 60, 60)], lastActivity: undefined }), "invited-only"],
  [
    "…proposed with --revoke-invites",
    member("@invitee:home.org", { memberships: [room("!space:home.org", "invite", 60, 60)], lastActivity: undefined }),
    "proposed",
    { revokeInvites: true },
  ],
  [
    "…but not a fresh invite, even with --revoke-invites",
    member("@fresh:home.org", { memberships: [room("!space:home.org", "invite", 3, 60)], lastActivity: undefined }),
    "joined-recently",
    { revokeInvites: true },
  ],
  ["a joined member with a pending invite elsewhere is a member", member("@both:home.org", { memberships: [room("!a:home.org", "join", 100, 60), room("!b:home.org", "invite", 1, 60)] }), "proposed"],
  ["exempt level 101: nobody at 100 is safe by level", member("@admin2:home.org", { maxLevel: 100 }), "proposed", { exemptPowerLevel: 101 }],
];

describe("decideKicks", () => {
  // A rest parameter: with four named ones bun would take the fourth for a done callback.
  test.each(rows)("%s", (...[, evidence, expected, override]: Row) => {
    const decision = decideKicks([evidence], { ...policy, ...override }, now);
    if (expected === "proposed") {
      expect(decision.proposals.map((proposal) => proposal.userId)).toEqual([evidence.userId]);
      expect(decision.kept).toEqual([]);
    } else {
      expect(decision.proposals).toEqual([]);
      expect(decision.kept.map((kept) => kept.reason)).toEqual([expected]);
    }
  });

  test("a proposal carries its evidence and rooms; a kept member when it becomes eligible", () => {
    const quiet = member("@quiet:home.org");
    const busy = member("@busy:home.org", { lastActivity: activity("@busy:home.org", 5) });
    const decision = decideKicks([busy, quiet], policy, now);
    expect(decision.proposals).toEqual([
      { userId: "@quiet:home.org", kind: "member", lastActivity: quiet.lastActivity, since: daysAgo(100), trackedSince: daysAgo(60), rooms: ["!a:home.org", "!space:home.org"] },
    ]);
    expect(decision.kept).toEqual([{ userId: "@busy:home.org", reason: "active", eligibleAt: daysAgo(5) + 30 * dayMs }]);
  });

  test("--as-of is just another time: the same member is kept today and proposed later", () => {
    const active = member("@x:home.org", { lastActivity: activity("@x:home.org", 1) });
    expect(decideKicks([active], policy, now).proposals).toEqual([]);
    expect(decideKicks([active], policy, now + 29 * dayMs).proposals.map((proposal) => proposal.userId)).toEqual(["@x:home.org"]);
  });

  test("members are judged in user-id order; needsAdminCheck lists the unknown local ones; nobody without rooms", () => {
    const decision = decideKicks(
      [member("@b:home.org", { serverAdmin: undefined }), member("@a:home.org", { serverAdmin: undefined }), member("@gone:home.org", { memberships: [] })],
      policy,
      now,
    );
    expect(decision.needsAdminCheck).toEqual(["@a:home.org", "@b:home.org"]);
    expect(decision.kept.map((kept) => kept.userId)).toEqual(["@a:home.org", "@b:home.org"]);
  });
});

describe("the safety cap", () => {
  test.each([
    [1, 5, 0.2, undefined, true, 1],
    [2, 5, 0.2, undefined, false, 1],
    [1, 6, 0.2, undefined, true, 1],
    [2, 10, 0.2, undefined, true, 2],
    [3, 10, 0.2, undefined, false, 2],
    // 0.2 of a small Space rounds down to nobody: any share above 0 allows one removal.
    [1, 4, 0.2, undefined, true, 1],
    [2, 4, 0.2, undefined, false, 1],
    [1, 3, 0.2, undefined, true, 1],
    [1, 1, 0.2, undefined, true, 1],
    [0, 3, 0.2, undefined, true, 1],
    // A share of 0 means "only with --max".
    [1, 3, 0, undefined, false, 0],
    [1, 3, 0, 1, true, 1],
    [3, 10, 0.2, 3, true, 3],
    [4, 10, 0.2, 3, false, 3],
    [1, 1, 0.2, 1, true, 1],
    [1, 4, 0.2, 0, false, 0],
    [0, 0, 0.2, undefined, true, 0],
    [10, 10, 1, undefined, true, 10],
  ] as const)("%i of %i at share %d, --max %p: allowed=%p (limit %i)", (removing, population, share, max, allowed, limit) => {
    expect(checkCap(removing, population, share, max)).toEqual({ allowed, population, removing, limit, by: max === undefined ? "share" : "max" });
  });

  test("every population up to 200 and every share: at least one when anyone counts, never more than the share otherwise", () => {
    const shares = [0, 0.01, 0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.75, 1];
    for (const share of shares) {
      let previous = 0;
      for (let population = 0; population <= 200; population++) {
        const { limit } = checkCap(0, population, share);
        const exact = share * population;
        if (share === 0 || population === 0) expect(limit).toBe(0);
        else expect(limit).toBe(Math.max(1, Math.floor(exact + 1e-9)));
        expect(limit).toBeLessThanOrEqual(population);
        if (limit > 1) expect(limit).toBeLessThanOrEqual(exact + 1e-9); // the share itself, rounded down
        expect(limit).toBeGreaterThanOrEqual(previous); // a larger Space never gets a smaller cap
        previous = limit;
        for (const removing of [0, limit, limit + 1, population]) expect(checkCap(removing, population, share).allowed).toBe(removing <= limit);
      }
    }
  });

  test("population: joined members, not mxhome's accounts; invites only when they may be revoked", () => {
    const members = [
      member("@a:home.org"),
      member("@mxhome-bot:home.org"),
      member("@invitee:home.org", { memberships: [room("!space:home.org", "invite", 60, 60)] }),
    ];
    expect(capPopulation(members, policy)).toBe(1);
    expect(capPopulation(members, { ...policy, revokeInvites: true })).toBe(2);
  });
});
