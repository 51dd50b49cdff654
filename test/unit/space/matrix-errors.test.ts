import { expect, test } from "bun:test";
import { ConnectionError, MatrixError } from "matrix-js-sdk";
import { retryDelayMs, toMxError } from "../../../src/matrix/client.ts";
import { createSynapseHttp, isMatrixError, noAnswerReason } from "../../../src/synapse/http.ts";
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

test.each([
  ["ofetch's repeat of the request and Bun's question go", '[GET] "http://127.0.0.1:8008/_matrix/x": <no response> ECONNREFUSED: Unable to connect. Is the computer able to access the url?', "ECONNREFUSED: Unable to connect."],
  ["Bun's question alone goes", "Unable to connect. Is the computer able to access the url?", "Unable to connect."],
  ["other reasons stay", "The operation timed out.", "The operation timed out."],
])("noAnswerReason: %s", (_name, message, expected) => expect(noAnswerReason(message)).toBe(expected));

test("an unreachable Synapse: the message names the URL, the hint the fix, and Bun's question is gone", async () => {
  const server = Bun.serve({ port: 0, fetch: () => new Response("") });
  const baseUrl = `http://127.0.0.1:${server.port}`;
  server.stop(true); // a port nothing listens on now
  const error = await createSynapseHttp(baseUrl).request("GET", "/_synapse/admin/v1/server_version?x=1").catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: "synapse.unreachable" });
  expect((error as MxError).message).toStartWith(`Could not reach Synapse for GET ${baseUrl}/_synapse/admin/v1/server_version: `);
  expect((error as MxError).message).not.toContain("Is the computer able");
  expect((error as MxError).hint).toContain("mxhome up");
  const sdk = toMxError("join !r:c", new ConnectionError("Unable to connect. Is the computer able to access the url?"));
  expect(sdk.message).toBe("Could not reach Synapse for join !r:c: Unable to connect.");
});
