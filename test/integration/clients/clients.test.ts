/**
 * What clients are told, read from the real Caddy and the real Synapse:
 * native sliding sync for Element X, and a call server only when
 * `[calls] livekit_service_url` names one (both the client well-known and
 * Synapse's MSC4143 transports endpoint), plus doctor's two checks.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runDoctor } from "../../../src/doctor/index.ts";
import { startTestServer, type TestServer, testServer } from "../../support/server.ts";

const livekit = "https://rtc.example.org/livekit/jwt";
const transportsPath = "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports";

let plain: TestServer;
let withCalls: TestServer;
beforeAll(async () => {
  plain = await testServer();
  withCalls = await startTestServer({ serverName: "calls.test", configure: (config) => (config.calls.livekit_service_url = livekit) });
}, 180_000);
afterAll(() => withCalls?.stop(), 60_000);

const throughCaddy = async (server: TestServer, path: string) => (await fetch(`${server.publicUrl}${path}`, { headers: { Host: server.serverName } })).json() as Promise<Record<string, any>>;
const transports = async (server: TestServer) => {
  const answer = await fetch(`${server.synapseUrl}${transportsPath}`, { headers: { Authorization: `Bearer ${server.service.accessToken}` } });
  return { status: answer.status, body: (await answer.json()) as Record<string, any> };
};
const check = async (server: TestServer, id: string) => (await runDoctor({ paths: server.paths, offline: true, only: id, timeoutMs: 30_000 })).checks.find((result) => result.id === id)!;

describe("Element X: native sliding sync", () => {
  test("/_matrix/client/versions through Caddy advertises org.matrix.simplified_msc3575; doctor says ok", async () => {
    expect((await throughCaddy(plain, "/_matrix/client/versions")).unstable_features["org.matrix.simplified_msc3575"]).toBe(true);
    expect(await check(plain, "sliding-sync")).toMatchObject({ status: "ok" });
  }, 60_000);
});

describe("calls", () => {
  test("without [calls]: no focus in the well-known, no transports endpoint, doctor explains (info)", async () => {
    const client = await throughCaddy(plain, "/.well-known/matrix/client");
    expect(client).toEqual({ "m.homeserver": { base_url: `https://${plain.serverName}` } });
    expect((await transports(plain)).status).toBe(404);
    const verdict = await check(plain, "calls");
    expect(verdict.status).toBe("info");
    expect(verdict.detail).toContain("Funnel carries only TCP on 443, 8443 and 10000");
    expect(verdict.fix).toContain("[calls] livekit_service_url");
  }, 60_000);

  test("with livekit_service_url: both the well-known and Synapse's transports name it; doctor says ok", async () => {
    const client = await throughCaddy(withCalls, "/.well-known/matrix/client");
    expect(client["org.matrix.msc4143.rtc_foci"]).toEqual([{ type: "livekit", livekit_service_url: livekit }]);
    expect(await transports(withCalls)).toEqual({ status: 200, body: { rtc_transports: [{ type: "livekit", livekit_service_url: livekit }] } });
    expect(await check(withCalls, "calls")).toMatchObject({ status: "ok" });
  }, 60_000);
});
