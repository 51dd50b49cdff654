import { describe, expect, test } from "bun:test";
import { effectiveUploadLimit, judgeMaxUpload } from "../../../src/doctor/checks/config/max-upload.ts";
import { judgeRemotePower } from "../../../src/doctor/checks/exposure/remote-power.ts";
import { judgeSpaceJoinRules } from "../../../src/doctor/checks/exposure/space-join-rules.ts";
import { judgeBotPower } from "../../../src/doctor/checks/jobs/bot-power.ts";
import { expectVerdict } from "../doctor/_context.ts";
import { bot, levels, observation, owner, room, spaceId, tree } from "./_rooms.ts";

const remoteUser = "@erin:other.org";
const general = (fields = {}) => room("!general:x", { name: "General", ...fields });

describe("remote-power", () => {
  test.each([
    ["no Space yet", observation(tree({}, []), { tree: undefined, unresolved: "no Space yet" }), "skip", /no Space yet/],
    ["the Space cannot be read", observation(tree({}, []), { tree: undefined, error: "cannot read the Space !s: 404" }), "fail", /cannot read/],
    ["nobody remote has power", observation(tree({}, [general()])), "ok", /in the Space or its 1 room/],
    ["a local moderator at 50", observation(tree({}, [general({ powerLevels: levels({ [bot]: 50, "@mod:pc.tail1234.ts.net": 50 }) })])), "ok", undefined],
    ["a remote member at 49", observation(tree({}, [general({ powerLevels: levels({ [bot]: 50, [remoteUser]: 49 }) })])), "ok", undefined],
    ["a remote member at 50", observation(tree({}, [general({ powerLevels: levels({ [bot]: 50, [remoteUser]: 50 }) })])), "fail", `${remoteUser} has power level 50 in "General" (!general:x)`],
    ["a remote member at 100 in the Space", observation(tree({ powerLevels: levels({ [bot]: 50, [remoteUser]: 100 }) }, [])), "fail", `${remoteUser} has power level 100 in "Family" (${spaceId})`],
    ["trusted by id", observation(tree({}, [general({ powerLevels: levels({ [remoteUser]: 50 }) })]), { trusted: [remoteUser] }), "ok", undefined],
    ["trusted by pattern", observation(tree({}, [general({ powerLevels: levels({ [remoteUser]: 100 }) })]), { trusted: ["@*:other.org"] }), "ok", undefined],
    ["a remote additional creator (version 12)", observation(tree({}, [general({ creators: [owner, remoteUser] })])), "fail", /as a creator of the room/],
    ["a remote creator in version 10 has only the listed level", observation(tree({}, [general({ roomVersion: "10", creators: [remoteUser], powerLevels: levels({ [owner]: 100 }) })])), "ok", undefined],
    [
      "users_default 50 gives every joined remote member 50",
      observation(tree({}, [general({ powerLevels: levels({}, { users_default: 50 }), members: { [owner]: "join", [bot]: "join", [remoteUser]: "join" } })])),
      "fail",
      /@erin:other.org has power level 50 in "General" \(!general:x\) \(the room's users_default\)/,
    ],
  ] as const)("%s", (_name, input, status, detail) => expectVerdict(judgeRemotePower(input), status, detail as never));

  test("the fix names the command that lowers them, and the trust alternative", () => {
    const verdict = judgeRemotePower(observation(tree({ powerLevels: levels({ [remoteUser]: 50 }) }, [general({ powerLevels: levels({ [remoteUser]: 50, "@x:y.org": 75 }) })])));
    expect(verdict.fix).toContain(`mxhome space demote ${remoteUser} @x:y.org`);
    expect(verdict.fix).toContain("[space] trusted_remote_users");
    expect(verdict.detail).toContain("@x:y.org has power level 75");
  });
});

describe("space-join-rules", () => {
  test.each([
    ["all restricted to the Space", tree({}, [general()]), "ok", /invite-only and its 1 room/],
    ["a public room", tree({}, [general({ joinRule: "public", allow: [] })]), "warn", /"General" \(!general:x\) has join rule "public"/],
    ["restricted to another room", tree({}, [general({ allow: [{ type: "m.room_membership", room_id: "!other:x" }] })]), "warn", /restricted to other rooms/],
    ["the Space made public", tree({ joinRule: "public" }, [general()]), "warn", /the Space "Family" .* has join rule "public"/],
  ] as const)("%s", (_name, spaceTree, status, detail) => expectVerdict(judgeSpaceJoinRules(observation(spaceTree)), status, detail));

  test("fixes: add-room for a named child, create for the Space, client steps for an unnamed room", () => {
    const verdict = judgeSpaceJoinRules(observation(tree({ joinRule: "knock" }, [general({ joinRule: "invite" }), room("!x:y", { name: undefined, joinRule: "public" })])));
    expect(verdict.fix).toBe('mxhome space create --name "Family"; mxhome space add-room "General"; in your client: room settings → Security & Privacy → Access → Space members (!x:y)');
  });

  test("rooms this server can't read are listed, not judged", () => {
    const spaceTree = { ...tree({}, [general()]), unreadable: [{ roomId: "!far:other.org", parentId: spaceId, error: "not in the room" }] };
    expect(judgeSpaceJoinRules(observation(spaceTree)).details).toEqual(["!far:other.org: not in the room"]);
  });
});

describe("bot-power", () => {
  test.each([
    ["exactly 50 everywhere", tree({}, [general()]), 50, "ok"],
    ["no level in a room", tree({}, [general({ powerLevels: levels({}) })]), 50, "warn"],
    ["above what kick needs", tree({}, [general({ powerLevels: levels({ [bot]: 100 }) })]), 50, "warn"],
    ["75 needed when the exempt level is 75", tree({ powerLevels: levels({ [bot]: 75 }) }, [general({ powerLevels: levels({ [bot]: 75 }) })]), 75, "ok"],
    ["below what kick needs is bot-membership's failure, not this", tree({}, [general({ powerLevels: levels({ [bot]: 20 }) })]), 50, "ok"],
  ] as const)("%s", (_name, spaceTree, exemptPowerLevel, status) => expectVerdict(judgeBotPower(observation(spaceTree, { exemptPowerLevel })), status));

  test("names the room, the level and the command", () => {
    const verdict = judgeBotPower(observation(tree({ powerLevels: levels({}) }, [general({ powerLevels: levels({ [bot]: 100 }) })])));
    expect(verdict.detail).toBe(`the bot has no power level in "Family" (${spaceId}) (kick needs 50); the bot has power level 100 in "General" (!general:x), more than the 50 kick needs`);
    expect(verdict.fix).toBe('mxhome space create --name "Family"; mxhome space add-room "General"');
  });
});

describe("max-upload", () => {
  const overridesFile = "/home/alice/.config/mxhome/homeserver.overrides.yaml";
  test.each([
    ["the default 10M", "10M", undefined, "ok"],
    ["512K", "512K", undefined, "ok"],
    ["bytes exactly 10M", "10485760", undefined, "ok"],
    ["50M in mxhome.toml", "50M", undefined, "warn"],
    ["the overrides raise it", "10M", "100M", "warn"],
    ["the overrides lower it", "50M", "5M", "ok"],
  ] as const)("%s", (_name, configured, override, status) => {
    const limit = effectiveUploadLimit(configured, { overrides: override === undefined ? {} : { max_upload_size: override } });
    const verdict = judgeMaxUpload(limit, overridesFile);
    expectVerdict(verdict, status);
    if (status === "warn") expect(verdict.fix).toContain(override ? overridesFile : 'max_upload = "10M"');
  });
});
