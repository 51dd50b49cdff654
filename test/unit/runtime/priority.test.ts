import { expect, test } from "bun:test";
import { withBackgroundPriority } from "../../../src/runtime/native/priority.ts";

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
