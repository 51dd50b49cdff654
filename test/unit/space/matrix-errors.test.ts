import { expect, test } from "bun:test";
import { ConnectionError, MatrixError } from "matrix-js-sdk";
import { retryDelayMs, toMxError } from "../../../src/matrix/client.ts";
import { isMatrixError } from "../../../src/synapse/http.ts";
import { MxError } from "../../../src/ui/errors.ts";

test.each([
  ["429 with retry_after_ms", new MatrixError({ errcode: "M_LIMIT_EXCEEDED", retry_after_ms: 1500 }, 429), 1500],
  ["429 with Retry-After", new MatrixError({ errcode: "M_LIMIT_EXCEEDED" }, 429, undefined, undefined, new Headers({ "Retry-After": "3" })), 3000],
  ["429 without a hint waits a second", new MatrixError({ errcode: "M_LIMIT_EXCEEDED" }, 429), 1000],
  ["403 is not a rate limit", new MatrixError({ errcode: "M_FORBIDDEN" }, 403), undefined],
  ["a connection error is not a rate limit", new ConnectionError("fetch failed"), undefined],
] as const)("retryDelayMs: %s", (_name, error, expected) => expect(retryDelayMs(error)).toBe(expected));

test("SDK errors become MxErrors with the errcode, like src/synapse/http.ts's", () => {
  const forbidden = toMxError("invite @a:b to !r:c", new MatrixError({ errcode: "M_FORBIDDEN", error: "You don't have permission" }, 403));
  expect(forbidden).toBeInstanceOf(MxError);
  expect(forbidden.message).toBe("Synapse answered 403 M_FORBIDDEN to invite @a:b to !r:c: You don't have permission");
  expect(isMatrixError(forbidden, "M_FORBIDDEN")).toBe(true);
  const unreachable = toMxError("join !r:c", new ConnectionError("fetch failed", new Error("ECONNREFUSED")));
  expect(unreachable.code).toBe("synapse.unreachable");
  expect(unreachable.hint).toContain("mxhome up");
  const already = new MxError("x", { code: "space.none" });
  expect(toMxError("anything", already)).toBe(already);
});
