import { describe, expect, test } from "bun:test";
import type { AdminRoom } from "../../../src/purge/api.ts";
import { deadRoomCandidates, decideDeadRooms, type DecisionInputs, findDeadRooms } from "../../../src/purge/dead-rooms.ts";

const room = (id: string, localMembers: number, extra: Partial<AdminRoom> = {}): AdminRoom => ({
  room_id: id,
  name: `Room ${id}`,
  canonical_alias: null,
  joined_members: localMembers,
  joined_local_members: localMembers,
  ...extra,
});

describe("findDeadRooms", () => {
  const rooms = [
    room("!alive:x", 2),
    room("!bot-only:x", 1), // the kick bot is a local member: never dead
    room("!empty:x", 0),
    room("!remote-only:x", 0, { joined_members: 3 }),
    room("!stale-stats:x", 0), // statistics lag; the database says someone joined again
    room("!invite-pending:x", 0),
    room("!scope:x", 0),
    room("!scope-alias:x", 0, { canonical_alias: "#team:x" }),
  ];
  const withLocalMembers = new Set(["!stale-stats:x", "!invite-pending:x"]);

  test("candidates are the rooms the room list shows without a local member", () => {
    expect(deadRoomCandidates(rooms)).toEqual(["!empty:x", "!remote-only:x", "!stale-stats:x", "!invite-pending:x", "!scope:x", "!scope-alias:x"]);
  });

  test("dead: no local join, invite or knock, and not named in mxhome.toml", () => {
    const dead = findDeadRooms({ rooms, withLocalMembers, protectedRooms: ["!scope:x", "#team:x"] });
    expect(dead).toEqual([
      { roomId: "!empty:x", name: "Room !empty:x", alias: null, remoteMembers: 0 },
      { roomId: "!remote-only:x", name: "Room !remote-only:x", alias: null, remoteMembers: 3 },
    ]);
  });

  test("no rooms, no dead rooms", () => {
    expect(findDeadRooms({ rooms: [], withLocalMembers: new Set(), protectedRooms: [] })).toEqual([]);
  });
});

describe("decideDeadRooms", () => {
  const base: DecisionInputs = { enabled: true, count: 2, confirmedBefore: false, yes: false, interactive: false, dryRun: false };
  test.each([
    [{ enabled: false, yes: true, confirmedBefore: true }, "disabled"],
    [{ count: 0 }, "none"],
    [{ count: 0, enabled: false }, "disabled"],
    [{ confirmedBefore: true }, "delete"],
    [{ confirmedBefore: true, dryRun: true }, "delete"],
    [{ yes: true }, "delete"],
    [{ yes: true, dryRun: true }, "delete"],
    [{ interactive: true }, "ask"],
    [{ interactive: true, dryRun: true }, "needs-confirmation"],
    [{}, "needs-confirmation"],
    [{ dryRun: true }, "needs-confirmation"],
  ] as const)("%j → %s", (change, decision) => {
    expect(decideDeadRooms({ ...base, ...change })).toBe(decision);
  });
});
