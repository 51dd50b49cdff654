import { describe, expect, test } from "bun:test";
import { deactivationRefusal, formatUserList, localpartProblem, localUserId, userRow } from "../../../src/accounts/users.ts";
import type { AdminUserListEntry } from "../../../src/synapse/admin.ts";

const ids = { admin: "@admin:home.org", service: "@mxhome:home.org", bot: "@mxhome-bot:home.org" };
const entry = (name: string, fields: Partial<AdminUserListEntry> = {}): AdminUserListEntry => ({ name, admin: false, deactivated: false, ...fields });

describe("localpartProblem (Synapse's check_username)", () => {
  test.each(["alice", "bob.smith", "a_b", "x=y", "a/b", "a+b", "a-1", "0abc"])("accepts %s", (localpart) => {
    expect(localpartProblem(localpart, "home.org")).toBeUndefined();
  });
  test.each([
    ["", "empty"],
    ["Alice", "a-z"],
    ["al ice", "a-z"],
    ["al:ice", "a-z"],
    ["élise", "a-z"],
    ["_bridge", "may not begin with _"],
    ["1234", "guest"],
    ["a".repeat(250), "255"],
  ])("refuses %j", (localpart, why) => {
    expect(localpartProblem(localpart, "home.org")).toContain(why);
  });
});

describe("localUserId", () => {
  test("a bare name or a full id on this server", () => {
    expect(localUserId("alice", "home.org")).toEqual({ localpart: "alice", userId: "@alice:home.org" });
    expect(localUserId("@alice:home.org", "home.org")).toEqual({ localpart: "alice", userId: "@alice:home.org" });
  });
  test("an id on another server is a usage error", () => {
    expect(() => localUserId("@alice:other.org", "home.org")).toThrow("not on this server");
  });
});

describe("deactivationRefusal", () => {
  const humanAdmins = [entry(ids.admin, { admin: true }), entry(ids.service, { admin: true }), entry(ids.bot)];
  test("mxhome's own accounts and admin_user are never deactivated", () => {
    expect(deactivationRefusal(ids.service, ids, humanAdmins)?.reason).toContain("service admin");
    expect(deactivationRefusal(ids.bot, ids, humanAdmins)?.reason).toContain("kick bot");
    expect(deactivationRefusal(ids.admin, ids, humanAdmins)?.reason).toContain("admin_user");
  });
  test("the last active human admin stays (the service admin does not count)", () => {
    const users = [entry(ids.admin), entry(ids.service, { admin: true }), entry("@carol:home.org", { admin: true }), entry("@old:home.org", { admin: true, deactivated: true })];
    expect(deactivationRefusal("@carol:home.org", ids, users)?.reason).toBe("it is the last server admin");
    const two = [...users, entry("@dave:home.org", { admin: true })];
    expect(deactivationRefusal("@carol:home.org", ids, two)).toBeUndefined();
  });
  test("ordinary members may go", () => {
    expect(deactivationRefusal("@alice:home.org", ids, [...humanAdmins, entry("@alice:home.org")])).toBeUndefined();
  });
});

describe("user list rows", () => {
  test("marks mxhome's accounts and formats last seen", () => {
    const rows = [
      userRow(entry(ids.bot), 1, ids),
      userRow(entry("@alice:home.org", { last_seen_ts: Date.UTC(2026, 0, 2, 3, 4) }), 2, ids),
      userRow(entry("@zed:home.org", { deactivated: true, last_seen_ts: null }), 0, ids),
      userRow(entry(ids.service, { admin: true }), 1, ids),
    ];
    expect(rows[0]).toMatchObject({ mxhome: "bot" });
    expect(rows[1]).toEqual({ userId: "@alice:home.org", admin: false, deactivated: false, lastSeen: "2026-01-02T03:04:00.000Z", devices: 2 });
    expect(formatUserList(rows).split("\n")).toEqual([
      "USER                  FLAGS        LAST SEEN (UTC)   DEVICES  MXHOME",
      "@alice:home.org       -            2026-01-02 03:04  2",
      "@mxhome-bot:home.org  -            never             1        mxhome bot",
      "@mxhome:home.org      admin        never             1        mxhome service",
      "@zed:home.org         deactivated  never             0",
    ]);
  });
});
