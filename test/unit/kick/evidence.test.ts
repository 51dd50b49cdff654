import { describe, expect, test } from "bun:test";
import {
  applyMemberChange,
  classifyEvent,
  extractRoomEvidence,
  type MemberChange,
  presenceActivities,
  receiptActivities,
  type SyncEvent,
} from "../../../src/kick/evidence.ts";
import type { RoomMembership } from "../../../src/kick/types.ts";

const at = 1_900_000_000_000;
const room = "!r:home.org";

describe("classifyEvent", () => {
  test.each<[string, SyncEvent, string]>([
    ["a message", { type: "m.room.message", sender: "@a:x" }, "message"],
    ["an encrypted message", { type: "m.room.encrypted", sender: "@a:x" }, "message"],
    ["a sticker", { type: "m.sticker", sender: "@a:x" }, "message"],
    ["a reaction", { type: "m.reaction", sender: "@a:x", content: { "m.relates_to": { rel_type: "m.annotation" } } }, "reaction"],
    ["an edit", { type: "m.room.message", sender: "@a:x", content: { "m.relates_to": { rel_type: "m.replace" } } }, "edit"],
    ["an encrypted edit (relations stay in the clear)", { type: "m.room.encrypted", sender: "@a:x", content: { "m.relates_to": { rel_type: "m.replace" } } }, "edit"],
    ["a redaction", { type: "m.room.redaction", sender: "@a:x" }, "message"],
    ["a topic", { type: "m.room.topic", sender: "@a:x", state_key: "" }, "state"],
    ["a join", { type: "m.room.member", sender: "@a:x", state_key: "@a:x", content: { membership: "join" }, unsigned: { prev_content: { membership: "invite" } } }, "join"],
    ["a first join (no previous membership)", { type: "m.room.member", sender: "@a:x", state_key: "@a:x", content: { membership: "join" } }, "join"],
    ["a profile change", { type: "m.room.member", sender: "@a:x", state_key: "@a:x", content: { membership: "join" }, unsigned: { prev_content: { membership: "join" } } }, "state"],
    ["an invite the sender made", { type: "m.room.member", sender: "@a:x", state_key: "@b:x", content: { membership: "invite" } }, "state"],
    ["leaving", { type: "m.room.member", sender: "@a:x", state_key: "@a:x", content: { membership: "leave" } }, "state"],
  ])("%s", (_name, event, source) => {
    expect(classifyEvent(event)).toBe(source as ReturnType<typeof classifyEvent>);
  });
});

describe("receipts and presence", () => {
  test("every user of every receipt type and event, never later than the observation", () => {
    const content = {
      $e1: { "m.read": { "@a:x": { ts: at - 5000 }, "@b:y": { ts: at + 99_000 } } },
      $e2: { "m.read": { "@c:x": { ts: at - 1, thread_id: "main" } }, "m.fully_read": { "@a:x": {} } },
    };
    expect(receiptActivities(room, content, at)).toEqual([
      { userId: "@a:x", source: "receipt", ts: at - 5000, roomId: room },
      { userId: "@b:y", source: "receipt", ts: at, roomId: room },
      { userId: "@c:x", source: "receipt", ts: at - 1, roomId: room },
    ]);
  });

  test("presence: active last_active_ago before the sync; nothing without it", () => {
    const events: SyncEvent[] = [
      { type: "m.presence", sender: "@a:x", content: { presence: "online", last_active_ago: 60_000 } },
      { type: "m.presence", sender: "@b:x", content: { presence: "offline" } },
      { type: "m.typing", sender: "@c:x", content: { last_active_ago: 1 } },
    ];
    expect(presenceActivities(events, at)).toEqual([{ userId: "@a:x", source: "presence", ts: at - 60_000 }]);
  });
});

describe("extractRoomEvidence", () => {
  test("state then timeline, in order; power levels and the create event kept; future timestamps clamped", () => {
    const evidence = extractRoomEvidence(
      room,
      {
        state: [
          { type: "m.room.create", sender: "@owner:x", state_key: "", origin_server_ts: at - 900, content: { room_version: "12", type: "m.space", additional_creators: ["@co:x"] } },
          { type: "m.room.member", sender: "@a:x", state_key: "@a:x", origin_server_ts: at - 800, content: { membership: "join" }, unsigned: { prev_content: { membership: "invite" }, replaces_state: "$inv" } },
          { type: "m.room.power_levels", sender: "@owner:x", state_key: "", origin_server_ts: at - 700, content: { users: { "@mod:x": 50 } } },
        ],
        timeline: [
          { type: "m.room.member", sender: "@a:x", state_key: "@a:x", origin_server_ts: at - 100, content: { membership: "leave" } },
          { type: "m.room.message", sender: "@b:y", origin_server_ts: at + 5_000 },
        ],
        ephemeral: [{ type: "m.receipt", content: { $x: { "m.read": { "@c:x": { ts: at - 50 } } } } }, { type: "m.typing", content: { user_ids: ["@d:x"] } }],
      },
      at,
    );
    expect(evidence.create).toEqual({ sender: "@owner:x", roomVersion: "12", additionalCreators: ["@co:x"] });
    expect(evidence.roomType).toBe("m.space");
    expect(evidence.powerLevels).toEqual({ users: { "@mod:x": 50 } });
    expect(evidence.memberChanges).toEqual([
      { userId: "@a:x", membership: "join", ts: at - 800, prevMembership: "invite", replacesState: "$inv" },
      { userId: "@a:x", membership: "leave", ts: at - 100, prevMembership: undefined, replacesState: undefined },
    ]);
    expect(evidence.activities).toEqual([
      { userId: "@owner:x", source: "state", ts: at - 900, roomId: room },
      { userId: "@a:x", source: "join", ts: at - 800, roomId: room },
      { userId: "@owner:x", source: "state", ts: at - 700, roomId: room },
      { userId: "@a:x", source: "state", ts: at - 100, roomId: room },
      { userId: "@b:y", source: "message", ts: at, roomId: room },
      { userId: "@c:x", source: "receipt", ts: at - 50, roomId: room },
    ]);
  });
});

describe("applyMemberChange", () => {
  const joined: RoomMembership = { roomId: room, membership: "join", since: at - 10_000, firstObserved: at - 9_000 };
  const invited: RoomMembership = { roomId: room, membership: "invite", since: at - 20_000, firstObserved: at - 19_000 };
  const change = (membership: string, prevMembership?: string): MemberChange => ({ userId: "@a:x", membership, ts: at - 500, prevMembership, replacesState: "$prev" });

  test.each<[string, RoomMembership | undefined, MemberChange, ReturnType<typeof applyMemberChange>]>([
    ["a join from an invite stamps the join time, keeping when tracking began", invited, change("join", "invite"), { next: { roomId: room, membership: "join", since: at - 500, firstObserved: at - 19_000 } }],
    ["a first join of someone new: tracked from now", undefined, change("join"), { next: { roomId: room, membership: "join", since: at - 500, firstObserved: at } }],
    ["a rejoin after leaving stamps again", undefined, change("join", "leave"), { next: { roomId: room, membership: "join", since: at - 500, firstObserved: at } }],
    ["a profile change never re-stamps", joined, change("join", "join"), { next: joined }],
    [
      "a profile change of a member the ledger never saw: follow it back",
      undefined,
      change("join", "join"),
      { next: { roomId: room, membership: "join", since: at - 500, firstObserved: at }, walkFrom: "$prev" },
    ],
    ["an invite", undefined, change("invite"), { next: { roomId: room, membership: "invite", since: at - 500, firstObserved: at } }],
    ["leaving forgets", joined, change("leave", "join"), {}],
    ["a kick or ban forgets", joined, change("ban", "join"), {}],
    ["a rejected invite forgets", invited, change("leave", "invite"), {}],
    ["a knock is not membership", undefined, change("knock"), {}],
  ])("%s", (_name, existing, memberChange, expected) => {
    expect(applyMemberChange(room, existing, memberChange, at)).toEqual(expected);
  });
});
