import { describe, expect, test } from "bun:test";
import { judgeBotMembership } from "../../../src/doctor/checks/jobs/bot-membership.ts";
import { judgeLastRun } from "../../../src/doctor/checks/jobs/last-runs.ts";
import { expectVerdict } from "./_context.ts";

const now = new Date("2026-09-15T12:00:00Z");
const record = (daysAgo: number, ok: boolean, summary = "purged 1,204 events, 37 media (12.4 MB)") => {
  const finished = new Date(now.getTime() - daysAgo * 86_400_000).toISOString();
  return { command: "purge", startedAt: finished, finishedAt: finished, ok, summary };
};

describe("last runs", () => {
  test.each([
    ["never ran", undefined, "info", /has not run yet/],
    ["ran 3 days ago", record(3, true), "ok", /3 d ago\): purged 1,204 events/],
    ["failed", record(1, false, "Synapse answered 500"), "fail", /failed .*Synapse answered 500/],
    ["stale (timer paused?)", record(75, true), "warn", /longer ago than its schedule/],
  ] as const)("%s", (_name, last, status, detail) => expectVerdict(judgeLastRun("purge", last, 40, now), status, detail));
});

describe("bot membership", () => {
  const bot = "@mxhome-bot:pc.tail1234.ts.net";
  const room = (roomId: string, fields: Partial<{ joined: boolean; botLevel: number; neededLevel: number; error: string }> = {}) => ({ roomId, joined: true, botLevel: 50, neededLevel: 50, ...fields });
  test.each([
    ["no Space yet", { bot, unresolved: "no Space was created yet", rooms: [] }, "skip"],
    ["in every room with power", { bot, rooms: [room("!space:x"), room("!chat:x")] }, "ok"],
    ["not joined", { bot, rooms: [room("!space:x"), room("!chat:x", { joined: false })] }, "fail"],
    ["too little power", { bot, rooms: [room("!chat:x", { botLevel: 0 })] }, "fail"],
    ["room unreadable", { bot, rooms: [room("!gone:x", { error: "Synapse answered 404 M_NOT_FOUND" })] }, "fail"],
  ] as const)("%s", (_name, observation, status) => {
    const verdict = judgeBotMembership(observation as never);
    expectVerdict(verdict, status);
    if (status === "fail") expect(verdict.fix).toContain("mxhome kick --setup");
  });
});
