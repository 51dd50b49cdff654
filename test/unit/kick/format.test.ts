import { describe, expect, test } from "bun:test";
import { kickRefusal } from "../../../src/kick/act.ts";
import { checkCap } from "../../../src/kick/decide.ts";
import { formatKickReport } from "../../../src/kick/format.ts";
import { type KickReport, summarize } from "../../../src/kick/report.ts";

const space = "!space:home.org";
const general = "!general:home.org";

function report(overrides: Partial<KickReport> = {}): KickReport {
  return {
    mode: "preview",
    now: "2030-01-01T00:00:00.000Z",
    asOf: "2030-01-01T00:00:00.000Z",
    scope: { root: space, rooms: [{ roomId: general, isSpace: false, name: "General" }, { roomId: space, isSpace: true, name: "Family" }], unobserved: [] },
    policy: { afterDays: 30, exemptPowerLevel: 50, exemptUsers: [], maxShare: 0.2, revokeInvites: false, reason: "Inactive" },
    ledger: { id: "id", file: "/x/ledger.sqlite", state: "opened", trackingSince: "2029-10-01T00:00:00.000Z" },
    observation: { at: "2030-01-01T00:00:00.000Z", rooms: { observed: 2, started: [], unobserved: [] }, incremental: true, events: 12, gapsFilled: 0, joinTimesLookedUp: 0 },
    proposals: [
      {
        userId: "@idle:home.org",
        kind: "member",
        lastActivity: { at: "2029-11-02T10:00:00.000Z", source: "receipt", roomId: general },
        since: "2029-09-01T00:00:00.000Z",
        trackedSince: "2029-10-01T00:00:00.000Z",
        rooms: [general, space],
      },
    ],
    kept: { active: 3, "power-level": 1 },
    keptMembers: [],
    population: 5,
    cap: checkCap(1, 5, 0.2),
    weakRooms: [],
    applied: false,
    warnings: [],
    summary: "",
    ...overrides,
  };
}

describe("the text report", () => {
  test("a preview names each member, their last activity and its source, and their rooms", () => {
    const text = formatKickReport(report(), false);
    expect(text).toContain("Kick preview (scope: Family, 2 rooms; inactive for 30 days)");
    expect(text).toContain("Evidence: 12 new item(s) from 2 room(s); ledger tracking since 2029-10-01 00:00 UTC.");
    expect(text).toContain("Would remove 1 of 5 members:");
    expect(text).toMatch(/@idle:home\.org\s+last active 2029-11-02 10:00 UTC \(receipt\)\s+joined 2029-09-01 00:00 UTC\s+General, Family/);
    expect(text).toContain("Kept: active 3, power level at or above the exempt level 1.");
    expect(formatKickReport(report({ kept: { "admin-account": 1, "mxhome-account": 2 } }), false)).toContain("Kept: your admin account 1, mxhome's own accounts 2.");
    expect(text).toContain("Nothing was removed (preview). To remove them: mxhome kick --apply.");
    expect(text).not.toContain("\x1b[");
  });

  test("a future --as-of is shown; the cap's verdict is announced in the preview", () => {
    const text = formatKickReport(report({ asOf: "2030-03-01T00:00:00.000Z", cap: checkCap(3, 5, 0.2) }), false);
    expect(text).toContain("Kick preview as of 2030-03-01 00:00 UTC");
    expect(text).toContain("To remove them: mxhome kick --apply --as-of 2030-03-01T00:00:00.000Z --max 3 (the safety cap, 1 of 5 by [kick] max_share = 0.2, refuses it without --max 3).");
  });

  test("an apply lists each removal; warnings are flagged", () => {
    const text = formatKickReport(
      report({
        mode: "apply",
        applied: true,
        outcomes: [
          { userId: "@idle:home.org", roomId: general, result: "kicked" },
          { userId: "@idle:home.org", roomId: space, result: "no-power" },
        ],
        warnings: ["The bot lacks the power to remove proposed members in !space:home.org. Fix: mxhome kick --setup"],
      }),
      false,
    );
    expect(text).toContain("Removed 1 of 5 members:");
    expect(text).toContain("OK @idle:home.org removed from General");
    expect(text).toContain("WARN @idle:home.org not removed (the bot lacks power) from Family");
    expect(text).toContain("WARN The bot lacks the power");
  });

  test("setup steps, planned and done", () => {
    const steps = [{ roomId: general, name: "General", join: true, from: 0, raiseTo: 50, actor: "@admin:home.org", outcome: "planned" as const }];
    const planned = formatKickReport(report({ mode: "setup", proposals: [], setup: { standings: [], steps, dryRun: true } }), false);
    expect(planned).toContain("INFO General: join the bot, raise the bot 0 → 50 (as @admin:home.org)");
    expect(planned).toContain("Nothing was changed (--dry-run).");
    const fine = formatKickReport(report({ mode: "setup", proposals: [], setup: { standings: [], steps: [], dryRun: false } }), false);
    expect(fine).toContain("OK The bot is in all 0 scope rooms with the power it needs.");
  });
});

describe("summaries and refusals", () => {
  test.each<[string, Partial<KickReport>, string]>([
    ["observe", { mode: "observe" }, "observed 2 rooms, 12 events"],
    ["preview", {}, "observed 2 rooms, 12 events; preview: would remove 1 member of 5"],
    ["apply", { mode: "apply", applied: true, outcomes: [{ userId: "@idle:home.org", roomId: general, result: "kicked" }] }, "observed 2 rooms, 12 events; removed 1 member"],
    ["apply held by the cap", { mode: "apply", held: "cap" }, "observed 2 rooms, 12 events; removed nobody (cap), 1 member proposed"],
    ["no Space yet", { scope: { rooms: [], unobserved: [], unresolved: "no Space" } }, "nothing to do: no Space"],
  ])("%s", (_name, overrides, expected) => {
    expect(summarize(report(overrides))).toBe(expected);
  });

  test.each<[string, Partial<KickReport>, string | undefined]>([
    ["a preview never fails", {}, undefined],
    ["the cap", { mode: "apply", held: "cap", cap: checkCap(3, 5, 0.2) }, "kick.cap"],
    ["unobserved rooms", { mode: "apply", held: "unobserved-rooms", scope: { rooms: [], unobserved: [general] } }, "kick.scope-unobserved"],
    ["tracking restarted is not a failure", { mode: "apply", held: "tracking-restarted" }, undefined],
    ["a failed removal", { mode: "apply", outcomes: [{ userId: "@a:x", roomId: general, result: "failed", error: "403" }] }, "kick.failed"],
    ["a bot without power is a warning, not a failure", { mode: "apply", outcomes: [{ userId: "@a:x", roomId: general, result: "no-power" }] }, undefined],
    ["a failed setup step", { mode: "setup", setup: { standings: [], steps: [{ roomId: general, join: true, from: 0, outcome: "failed", error: "no local member" }], dryRun: false } }, "kick.setup-failed"],
  ])("%s", (_name, overrides, code) => {
    expect(kickRefusal(report(overrides))?.code).toBe(code as string);
  });

  test("the cap's refusal names the command that overrides it, and the key that sets it", () => {
    const refusal = kickRefusal(report({ mode: "apply", held: "cap", cap: checkCap(3, 5, 0.2) }));
    expect(refusal?.message).toBe("Refusing to remove 3 of 5 members: the safety cap allows 1 of 5 by [kick] max_share = 0.2.");
    expect(refusal?.hint).toBe("Check the list above. To remove them anyway: mxhome kick --apply --max 3, or raise [kick] max_share in mxhome.toml for every run");
    // Followed literally, the hint decides as of the same time as the refused run.
    const asOf = "2030-03-01T00:00:00.000Z";
    expect(kickRefusal(report({ mode: "apply", asOf, held: "cap", cap: checkCap(3, 5, 0.2) }))?.hint).toContain(`mxhome kick --apply --as-of ${asOf} --max 3,`);
    // Refused by --max itself: raising it is the only way.
    const byMax = kickRefusal(report({ mode: "apply", held: "cap", cap: checkCap(3, 5, 0.2, 2) }));
    expect(byMax?.message).toContain("allows 2 by --max");
    expect(byMax?.hint).not.toContain("max_share");
  });
});
