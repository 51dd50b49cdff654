import { describe, expect, test } from "bun:test";
import { demoteRefusal, planDemote } from "../../../src/space/demote.ts";
import { formatChangeReport, formatDemoteReport, formatInviteReport, formatShowReport } from "../../../src/space/format.ts";
import { inviteOutcomeFor } from "../../../src/space/invite.ts";
import { summarizeSpace } from "../../../src/space/show.ts";
import { bot, levels, owner, room, server, spaceId, tree } from "./_rooms.ts";

const remoteUser = "@erin:other.org";
const link = `https://matrix.to/#/#family:${server}`;

describe("planDemote", () => {
  test.each([
    ["lowered where the admin is above them", tree({}, [room("!general:x", { powerLevels: levels({ [bot]: 50, [remoteUser]: 50 }) })]), [["general", "50", "would-lower"]], 1],
    ["in the Space and a room", tree({ powerLevels: levels({ [remoteUser]: 75 }) }, [room("!general:x", { powerLevels: levels({ [remoteUser]: 50 }) })]), [["Family", "75", "would-lower"], ["general", "50", "would-lower"]], 2],
    ["nothing above the default: nothing to do", tree({}, [room("!general:x")]), [], 0],
    ["a version-12 creator can't be lowered", tree({}, [room("!general:x", { creators: [owner, remoteUser] })]), [["general", "creator (above 100)", "cannot"]], 0],
    ["at the admin's own level (version 10)", tree({}, [room("!general:x", { roomVersion: "10", powerLevels: levels({ [owner]: 100, [remoteUser]: 100 }) })]), [["general", "100", "cannot"]], 0],
    ["everyone's level via users_default", tree({}, [room("!general:x", { powerLevels: levels({}, { users_default: 50 }) })]), [["general", "50", "cannot"]], 0],
  ] as const)("%s", (_name, spaceTree, steps, changes) => {
    const plan = planDemote(spaceTree, owner, remoteUser);
    expect(plan.steps.map((step) => [step.room, step.from, step.outcome])).toEqual(steps.map((step) => [...step]));
    expect(plan.changes).toHaveLength(changes);
  });

  test("the change removes their entry and keeps everything else", () => {
    const current = levels({ [bot]: 50, [remoteUser]: 50 }, { ban: 60 });
    const { changes } = planDemote(tree({}, [room("!general:x", { powerLevels: current })]), owner, remoteUser);
    expect(changes).toEqual([{ kind: "state", roomId: "!general:x", type: "m.room.power_levels", stateKey: "", content: { ...current, users: { [bot]: 50 } }, actor: "owner", summary: `${remoteUser}: 50 → 0` }]);
  });
});

describe("summarizeSpace", () => {
  const members = { [owner]: "join", [bot]: "join", [remoteUser]: "join", "@carol:third.org": "invite" } as const;
  const report = summarizeSpace(
    tree({ members }, [room("!general:x", { name: "General", members }), room("!photos:x", { name: "Photos", encryption: undefined, joinRule: "invite", allow: [] })]),
    server,
    link,
  );

  test("the tree with rules, encryption, member counts and power", () => {
    expect(report.rooms.map((shown) => [shown.name, shown.depth, shown.kind, shown.joinRule, shown.restrictedToSpace, shown.encrypted])).toEqual([
      ["Family", 0, "space", "invite", undefined, false],
      ["General", 1, "room", "restricted", true, true],
      ["Photos", 1, "room", "invite", false, false],
    ]);
    expect(report.rooms[0]!.members).toEqual({ joined: 3, invited: 1, joinedFromOtherServers: 1, otherServers: ["other.org"] });
    expect(report.rooms[0]!.powerLevels).toEqual([{ userId: owner, level: "creator" }, { userId: bot, level: 50 }]);
  });

  test("rooms no member from another homeserver has joined go dark while the PC is off", () => {
    expect(report.unreachableWhileOff).toEqual(["Photos"]);
  });

  test("text output", () => {
    const text = formatShowReport(report, false);
    expect(text).toContain(`Space Family #family:${server} ${spaceId}`);
    expect(text).toContain("joins: Space members · encrypted · history: shared");
    expect(text).toContain("joins: invite (not restricted to the Space) · not encrypted");
    expect(text).toContain("members: 3 joined, 1 from other.org, 1 invited");
    expect(text).toContain(`power: ${owner} creator, ${bot} 50`);
    expect(text).toContain("INFO No member from another homeserver has joined: Photos.");
    expect(text).toContain(`Share: ${link}`);
  });
});

describe("reports as text", () => {
  test("a first create and a run with nothing to do", () => {
    const created = formatChangeReport(
      { dryRun: false, spaceId, link, changed: true, space: { name: "Family", roomId: spaceId, created: true, changes: ["create Space \"Family\" (room version 12)"] }, rooms: [{ name: "General", roomId: "!g:x", created: false, changes: ["join rule invite → Space members"] }] },
      false,
    );
    expect(created.split("\n")).toEqual([`INFO Space Family ${spaceId}: created`, '    create Space "Family" (room version 12)', "INFO room General !g:x: changed", "    join rule invite → Space members", "", `Share: ${link}`]);
    const unchanged = formatChangeReport({ dryRun: false, spaceId, link, changed: false, space: { name: "Family", roomId: spaceId, created: false, changes: [] }, rooms: [] }, false);
    expect(unchanged).toContain(`OK Space Family ${spaceId}: unchanged\nNothing to change.`);
    const dry = formatChangeReport({ dryRun: true, changed: true, space: { name: "Family", created: true, changes: [] }, rooms: [] }, false);
    expect(dry).toBe("INFO Space Family: would create");
  });

  test("invites and demotions", () => {
    const invite = formatInviteReport({ spaceId, link, users: [{ userId: "@a:x", outcome: "invited" }, { userId: "@b:y", outcome: "failed", error: "Can't connect" }, { userId: "@c:x", outcome: "already-member" }] }, false);
    expect(invite.split("\n")).toEqual(["OK @a:x: invited", "FAIL @b:y: could not be invited (Can't connect)", "INFO @c:x: already a member", "", `Share this link with them: ${link}`]);
    const demote = formatDemoteReport({ dryRun: false, steps: [{ userId: remoteUser, roomId: "!g:x", room: "General", from: "50", to: 0, outcome: "lowered" }] }, false);
    expect(demote).toBe(`OK ${remoteUser} in General: 50 → 0`);
    expect(formatDemoteReport({ dryRun: false, steps: [] }, false)).toContain("Nobody named holds power");
  });

  test.each([
    ["join", "already-member"],
    ["invite", "already-invited"],
    ["ban", "banned"],
    ["leave", undefined],
    [undefined, undefined],
  ] as const)("membership %s → %s", (membership, outcome) => expect(inviteOutcomeFor(membership)).toBe(outcome));
});

describe("demoteRefusal", () => {
  const ids = { admin: "@admin:x", service: "@mxhome:x", bot: "@mxhome-bot:x" };

  test("the admin: refused with why and what to do", () => {
    const refusal = demoteRefusal(ids.admin, ids);
    expect(refusal).toMatchObject({ code: "space.demote-owner", exitCode: 2 });
    expect(refusal!.message).toContain("mxhome manages the Space and its rooms as this account");
    expect(refusal!.hint).toContain("mxhome space show");
  });

  test("mxhome's own accounts are refused, each saying why; anyone else is not", () => {
    expect(demoteRefusal(ids.bot, ids)).toMatchObject({ code: "space.demote-bot", exitCode: 2, message: expect.stringContaining("power level 50") });
    expect(demoteRefusal(ids.service, ids)).toMatchObject({ code: "space.demote-service", exitCode: 2, message: expect.stringContaining("service account") });
    for (const own of [ids.bot, ids.service]) expect(demoteRefusal(own, ids)!.hint).toContain("mxhome space show");
    // The same localparts on another server are other people.
    for (const other of ["@erin:remote", "@mxhome:remote", "@mxhome-bot:remote"]) expect(demoteRefusal(other, ids)).toBeUndefined();
  });
});
