import { expect, test } from "bun:test";
import { refuseRoot } from "../../../src/cli.ts";
import { MxError } from "../../../src/ui/errors.ts";

test("root is refused with the reason, unless --allow-root", () => {
  let error: unknown;
  try {
    refuseRoot(["up"], 0);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MxError);
  expect((error as MxError).exitCode).toBe(2);
  expect((error as MxError).message).toContain("rootless");
  expect(() => refuseRoot(["up", "--allow-root"], 0)).not.toThrow();
  expect(() => refuseRoot(["up"], 1000)).not.toThrow();
});
