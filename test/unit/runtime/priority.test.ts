import { expect, test } from "bun:test";
import { sessionIdFromStat, withBackgroundPriority } from "../../../src/runtime/native/priority.ts";

test("argv runs through nice, then ionice best-effort 7 (never the idle class)", () => {
  expect(withBackgroundPriority(["/usr/bin/caddy", "run"], { nice: "/usr/bin/nice", ionice: "/usr/bin/ionice" })).toEqual([
    "/usr/bin/nice", "-n", "10", "/usr/bin/ionice", "-c", "2", "-n", "7", "/usr/bin/caddy", "run",
  ]);
});

test("a missing tool leaves only its own setting out", () => {
  expect(withBackgroundPriority(["pg_ctl"], { nice: "/bin/nice" })).toEqual(["/bin/nice", "-n", "10", "pg_ctl"]);
  expect(withBackgroundPriority(["pg_ctl"], { ionice: "/bin/ionice" })).toEqual(["/bin/ionice", "-c", "2", "-n", "7", "pg_ctl"]);
  expect(withBackgroundPriority(["pg_ctl"], {})).toEqual(["pg_ctl"]);
});

test("the session id is field 6 of /proc/<pid>/stat, whatever the command name holds", () => {
  expect(sessionIdFromStat("4242 (python) S 1 4242 4242 0 -1 4194560 2185 0 0 0 30 4 0 0 20 0 3 0 52317 1231794176 25319")).toBe(4242);
  expect(sessionIdFromStat("77 (postgres: synapse ) x) S 70 70 70 0 -1 4194560 2185 0 0 0 30 4 0 0 20 0 3 0 52317 1231794176 25319")).toBe(70);
  expect(sessionIdFromStat("9 (sh) S 1 9 0 0 -1 4194560 2185 0 0 0 30 4 0 0 20 0 3 0 52317 1231794176 25319")).toBeUndefined();
  expect(sessionIdFromStat("garbage")).toBeUndefined();
});
