import { describe, expect, test } from "bun:test";
import { initialPowerLevels, planChild, planSpace, roomCreateRequest, spaceCreateRequest } from "../../../src/space/plan.ts";
import { bot, levels, owner, policy, room, server, space, spaceId } from "./_rooms.ts";

describe("new rooms", () => {
  test("version 12: the owner is the creator (not listed), the bot at 50, structure at 100", () => {
    const levelsV12 = initialPowerLevels(policy(), "space");
    expect(levelsV12.users).toEqual({ [bot]: 50 });
    expect(levelsV12.events).toMatchObject({ "m.room.power_levels": 100, "m.room.join_rules": 100, "m.space.child": 100, "m.room.tombstone": 150 });
    expect(levelsV12).toMatchObject({ users_default: 0, events_default: 100, state_default: 50, kick: 50, ban: 50, redact: 50, invite: 50 });
    expect(initialPowerLevels(policy(), "room")).toMatchObject({ events_default: 0, events: { "m.space.parent": 100 } });
  });

  test("version 10: the owner at 100; the bot at the exempt level when that is higher", () => {
    expect(initialPowerLevels(policy({ roomVersion: "10" }), "room")).toMatchObject({ users: { [owner]: 100, [bot]: 50 }, events: { "m.room.tombstone": 100 } });
    expect(initialPowerLevels(policy({ exemptPowerLevel: 75 }), "room").users).toEqual({ [bot]: 75 });
  });

  test("the Space: invite-only, members-only history, no guests, an alias, the bot invited", () => {
    const request = spaceCreateRequest(policy(), "Family", "family");
    expect(request).toMatchObject({ name: "Family", room_alias_name: "family", visibility: "private", preset: "private_chat", room_version: "12", creation_content: { type: "m.space" }, invite: [bot] });
    expect(request.initial_state).toEqual([
      { type: "m.room.join_rules", state_key: "", content: { join_rule: "invite" } },
      { type: "m.room.history_visibility", state_key: "", content: { history_visibility: "shared" } },
      { type: "m.room.guest_access", state_key: "", content: { guest_access: "forbidden" } },
    ]);
  });

  test.each([
    ["encrypted", true],
    ["--no-encryption", false],
  ] as const)("a room (%s): restricted to the Space, linked to it", (_name, encrypted) => {
    const request = roomCreateRequest(policy(), spaceId, { name: "General", encrypted });
    expect(request.creation_content).toBeUndefined();
    expect(request.room_alias_name).toBeUndefined();
    expect(request.initial_state).toEqual([
      { type: "m.room.join_rules", state_key: "", content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: spaceId }] } },
      { type: "m.room.history_visibility", state_key: "", content: { history_visibility: "shared" } },
      { type: "m.room.guest_access", state_key: "", content: { guest_access: "forbidden" } },
      { type: "m.space.parent", state_key: spaceId, content: { via: [server], canonical: true } },
      ...(encrypted ? [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }] : []),
    ]);
    expect(roomCreateRequest(policy(), spaceId, { name: "Games", alias: "games", encrypted }).room_alias_name).toBe("games");
  });
});

const summaries = (plan: { changes: { summary: string }[] }) => plan.changes.map((change) => change.summary);

describe("planSpace", () => {
  test.each([
    ["converged: nothing", {}, undefined, [], []],
    ["public again", { joinRule: "public" }, undefined, ["join rule public → invite"], []],
    ["history readable by anyone", { historyVisibility: "world_readable" }, undefined, ["history visible to members only"], []],
    ["members-only history kinds stay", { historyVisibility: "joined" }, undefined, [], []],
    ["the same alias asked again", {}, "family", [], []],
    ["a new alias asked", {}, "kin", [`alias #kin:${server}`], []],
    ["bot never invited", { members: { [owner]: "join" } }, undefined, ["invite the bot", "the bot joins"], []],
    ["bot invited, not joined", { members: { [owner]: "join", [bot]: "invite" } }, undefined, ["the bot joins"], []],
    ["bot left", { members: { [owner]: "join", [bot]: "leave" } }, undefined, ["invite the bot", "the bot joins"], []],
    ["bot banned", { members: { [owner]: "join", [bot]: "ban" } }, undefined, [], [`${bot} is banned from ${spaceId}; unban it in your client, then run this again`]],
    ["bot level missing", { powerLevels: levels({}) }, undefined, ["bot power level unset → 50"], []],
    ["bot level too high", { powerLevels: levels({ [bot]: 75 }) }, undefined, ["bot power level 75 → 50"], []],
    ["the admin left", { members: { [owner]: "leave", [bot]: "join" } }, undefined, [], [`${owner} is not in Family; mxhome acts as the admin there, so the admin must be a member`]],
  ] as const)("%s", (_name, fields, alias, changes, problems) => {
    const plan = planSpace(policy(), space(fields as never), alias);
    expect(summaries(plan)).toEqual([...changes]);
    expect(plan.problems).toEqual([...problems]);
  });

  test("the bot's level keeps the rest of power_levels and is set by the owner", () => {
    const current = levels({ [bot]: 75, "@mod:x": 50 }, { ban: 60 });
    const [change] = planSpace(policy(), space({ powerLevels: current })).changes;
    expect(change).toEqual({ kind: "state", roomId: spaceId, type: "m.room.power_levels", stateKey: "", content: { ...current, users: { [bot]: 50, "@mod:x": 50 } }, actor: "owner", summary: "bot power level 75 → 50" });
  });

  test("version 10: a bot at the owner's level lowers itself; above what it may change, it's a problem", () => {
    const v10 = { roomVersion: "10" };
    const equal = planSpace(policy(v10), space({ ...v10, powerLevels: levels({ [owner]: 100, [bot]: 100 }) }));
    expect(equal.changes.map((change) => [change.summary, "actor" in change ? change.actor : ""])).toEqual([["bot power level 100 → 50", "bot"]]);
    const stuck = planSpace(policy(v10), space({ ...v10, powerLevels: levels({ [owner]: 60, [bot]: 80 }) }));
    expect(stuck.changes).toEqual([]);
    expect(stuck.problems).toEqual([`the bot's level 80 in ${spaceId} is above what the admin can change; lower it in your client`]);
  });
});

describe("planChild", () => {
  const wish = { name: "general", encrypted: true };
  const linked = space({}, ["!general:x"]);

  test.each([
    ["converged: nothing", linked, {}, [], []],
    ["not linked from the Space", space(), {}, ["link from the Space"], []],
    ["no parent link", linked, { parents: [] }, ["link to the Space"], []],
    ["invite-only", linked, { joinRule: "invite", allow: [] }, ["join rule invite → Space members"], []],
    ["public", linked, { joinRule: "public", allow: [] }, ["join rule public → Space members"], []],
    ["restricted to another room", linked, { allow: [{ type: "m.room_membership", room_id: "!other:x" }] }, ["join rule restricted → Space members"], []],
    ["a room version without restricted joins", linked, { roomVersion: "6", joinRule: "invite", allow: [] }, [], ["general is room version 6, which cannot restrict joins to Space members (8 or later can); upgrade the room in your client"]],
    ["unencrypted stays unencrypted", linked, { encryption: undefined }, [], []],
    ["bot never there", linked, { members: { [owner]: "join" }, powerLevels: levels({}) }, ["invite the bot", "the bot joins", "bot power level unset → 50"], []],
  ] as const)("%s", (_name, spaceSnapshot, fields, changes, problems) => {
    const plan = planChild(policy(), spaceSnapshot, room("!general:x", fields as never), wish);
    expect(summaries(plan)).toEqual([...changes]);
    expect(plan.problems).toEqual([...problems]);
  });

  test("links carry this server as via; the child link goes into the Space", () => {
    const plan = planChild(policy(), space(), room("!general:x", { parents: [] }), wish);
    expect(plan.changes).toEqual([
      { kind: "state", roomId: spaceId, type: "m.space.child", stateKey: "!general:x", content: { via: [server] }, actor: "owner", summary: "link from the Space" },
      { kind: "state", roomId: "!general:x", type: "m.space.parent", stateKey: spaceId, content: { via: [server], canonical: true }, actor: "owner", summary: "link to the Space" },
    ]);
  });
});
