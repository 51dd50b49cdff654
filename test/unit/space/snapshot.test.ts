import { describe, expect, test } from "bun:test";
import type { StateEvent } from "../../../src/matrix/types.ts";
import { isSpace, joinedMembers, restrictedTo, snapshotRoom } from "../../../src/space/snapshot.ts";

const event = (type: string, content: Record<string, unknown>, stateKey = "", sender = "@admin:x.org"): StateEvent => ({ type, state_key: stateKey, content, sender });

describe("snapshotRoom", () => {
  test("reads a Space's state", () => {
    const snapshot = snapshotRoom("!space:x.org", [
      event("m.room.create", { room_version: "12", type: "m.space", additional_creators: ["@alt:y.org"] }),
      event("m.room.join_rules", { join_rule: "invite" }),
      event("m.room.name", { name: "Family" }),
      event("m.room.canonical_alias", { alias: "#family:x.org" }),
      event("m.room.history_visibility", { history_visibility: "shared" }),
      event("m.room.power_levels", { users: { "@bot:x.org": 50 } }),
      event("m.room.member", { membership: "join" }, "@admin:x.org"),
      event("m.room.member", { membership: "invite" }, "@carol:y.org"),
      event("m.space.child", { via: ["x.org"] }, "!general:x.org"),
      event("m.space.child", {}, "!removed:x.org"),
      event("m.space.child", { via: [] }, "!also-removed:x.org"),
    ]);
    expect(snapshot).toEqual({
      roomId: "!space:x.org",
      roomVersion: "12",
      roomType: "m.space",
      creators: ["@admin:x.org", "@alt:y.org"],
      name: "Family",
      canonicalAlias: "#family:x.org",
      joinRule: "invite",
      allow: [],
      historyVisibility: "shared",
      guestAccess: "forbidden",
      powerLevels: { users: { "@bot:x.org": 50 } },
      members: { "@admin:x.org": "join", "@carol:y.org": "invite" },
      children: [{ roomId: "!general:x.org", via: ["x.org"] }],
      parents: [],
    });
    expect(isSpace(snapshot)).toBe(true);
    expect(joinedMembers(snapshot)).toEqual(["@admin:x.org"]);
  });

  test("a child room: restricted join rule, encryption, parent link", () => {
    const snapshot = snapshotRoom("!general:x.org", [
      event("m.room.create", { room_version: "10", creator: "@admin:x.org" }),
      event("m.room.join_rules", { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: "!space:x.org" }] }),
      event("m.room.encryption", { algorithm: "m.megolm.v1.aes-sha2" }),
      event("m.space.parent", { via: ["x.org"], canonical: true }, "!space:x.org"),
    ]);
    expect(snapshot).toMatchObject({ roomVersion: "10", encryption: "m.megolm.v1.aes-sha2", parents: [{ roomId: "!space:x.org", via: ["x.org"], canonical: true }] });
    expect(isSpace(snapshot)).toBe(false);
    expect(restrictedTo(snapshot, "!space:x.org")).toBe(true);
    expect(restrictedTo(snapshot, "!other:x.org")).toBe(false);
  });

  test("absent state gets the spec's defaults", () => {
    const snapshot = snapshotRoom("!bare:x.org", [event("m.room.create", {}, "", "@creator:x.org")]);
    expect(snapshot).toMatchObject({ roomVersion: "1", creators: ["@creator:x.org"], joinRule: "invite", historyVisibility: "shared", guestAccess: "forbidden", members: {} });
    expect(snapshot.powerLevels).toBeUndefined();
    expect(snapshot.encryption).toBeUndefined();
  });

  test.each([
    ["restricted to the Space", { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: "!space:x.org" }] }, true],
    ["knock_restricted is not restricted", { join_rule: "knock_restricted", allow: [{ type: "m.room_membership", room_id: "!space:x.org" }] }, false],
    ["restricted to another room", { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: "!other:x.org" }] }, false],
    ["public", { join_rule: "public" }, false],
    ["restricted, no allow list", { join_rule: "restricted" }, false],
  ] as const)("restrictedTo: %s", (_name, joinRules, expected) => {
    expect(restrictedTo(snapshotRoom("!r:x.org", [event("m.room.join_rules", joinRules as Record<string, unknown>)]), "!space:x.org")).toBe(expected);
  });
});
