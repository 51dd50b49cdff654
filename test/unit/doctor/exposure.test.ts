import { describe, expect, test } from "bun:test";
import { judgeOutbound } from "../../../src/doctor/checks/exposure/outbound.ts";
import { judgePublicKeys } from "../../../src/doctor/checks/exposure/public-keys.ts";
import { judgePublicFederation, judgePublicTls, judgePublicWellKnown } from "../../../src/doctor/checks/exposure/public-path.ts";
import { judgeTopology } from "../../../src/doctor/checks/exposure/topology.ts";
import type { DelegationObservation, Fetched, PublicObservation } from "../../../src/doctor/facts/public.ts";
import { expectVerdict, fixtureConfig } from "./_context.ts";

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): Fetched => ({
  url: "https://x/",
  answer: { status, body: typeof body === "string" ? body : JSON.stringify(body), headers, address: "192.0.2.10" },
});
const failed = (kind: string, code: string, message: string): Fetched => ({ url: "https://x/", error: { kind, code, message } });

describe("outbound exposure", () => {
  test.each([
    ["a proxy in mxhome.toml", { proxy: "http://user:secret@proxy.example:3128", exitNode: false, destinations: 12 }, "ok", /proxy\.example:3128/],
    ["an exit node", { proxy: undefined, exitNode: true, destinations: 12 }, "ok", /exit node/],
    ["a fresh server (has not federated)", { proxy: undefined, exitNode: false, destinations: 0 }, "info", /once your server federates/],
    ["database not readable", { proxy: undefined, exitNode: false, destinations: undefined }, "info", /once your server federates/],
    ["has federated directly", { proxy: undefined, exitNode: false, destinations: 3 }, "warn", /contacted 3 other servers directly/],
  ] as const)("%s", (_name, observation, status, detail) => {
    const verdict = judgeOutbound(observation);
    expectVerdict(verdict, status, detail);
    expect(verdict.detail).not.toContain("secret");
    if (status !== "ok") expect(verdict.fix).toMatch(/--outbound-proxy.*exit-node/s);
  });
});

describe("topology B: the custom domain's delegation", () => {
  const config = fixtureConfig("custom-domain");
  const serverName = config.server.server_name;
  const host = config.server.public_host;
  const delegation = (fields: Partial<DelegationObservation>): DelegationObservation => ({
    serverName,
    dns: { answer: { cnames: [], addresses: ["198.51.100.7"] } },
    server: answer(200, { "m.server": `${host}:443` }),
    client: answer(200, { "m.homeserver": { base_url: `https://${host}` } }),
    ...fields,
  });
  test.each([
    ["delegates correctly", delegation({}), "ok", /delegates to/],
    ["delegates without :443 (8448 is not a Funnel port)", delegation({ server: answer(200, { "m.server": host }) }), "fail", /8448/],
    ["delegates elsewhere", delegation({ server: answer(200, { "m.server": "matrix.example.net:443" }) }), "fail", /not the Funnel host/],
    ["no client well-known", delegation({ client: answer(404, "") }), "warn", /clients/],
    [
      "the guide's CNAME to ts.net",
      delegation({ dns: { answer: { cnames: [`${host}.`], addresses: ["203.0.113.5"] } }, server: failed("connect", "ECONNRESET", "Client network socket disconnected before secure TLS connection was established") }),
      "fail",
      /CNAME to .*\.ts\.net \(the guide's step\), and it cannot work/,
    ],
    ["nothing served", delegation({ server: failed("connect", "ECONNREFUSED", "connect ECONNREFUSED 198.51.100.7:443") }), "fail", /ECONNREFUSED/],
  ] as const)("%s", (_name, observation, status, detail) => {
    const verdict = judgeTopology(config, observation, "/home/alice/.local/share/mxhome/well-known-for-your-domain");
    expectVerdict(verdict, status, detail);
    if (status === "fail") expect(verdict.fix).toContain("well-known-for-your-domain/.well-known/matrix");
    if (_name.includes("CNAME")) expect(verdict.fix).toStartWith("Remove the CNAME.");
  });
});

describe("public path judges", () => {
  const config = fixtureConfig();
  const host = config.server.server_name;
  const healthy: PublicObservation = {
    host,
    dns: { answer: { cnames: [], addresses: ["203.0.113.5"] } },
    server: { ...answer(200, { "m.server": `${host}:443` }), answer: { ...answer(200, { "m.server": `${host}:443` }).answer!, certificate: { validTo: "Dec  1 00:00:00 2026 GMT", issuer: "Let's Encrypt" } } },
    client: answer(200, { "m.homeserver": { base_url: `https://${host}` } }, { "access-control-allow-origin": "*" }),
    version: answer(200, { server: { name: "Synapse", version: "1.163.2" } }),
    keys: answer(200, {}),
  };
  test.each([
    ["healthy", healthy, "ok", /valid certificate until Dec/],
    ["no public DNS (Funnel off)", { ...healthy, dns: { error: "queryA ENOTFOUND" } }, "fail", /no public DNS record/],
    ["a certificate for another name", { ...healthy, server: failed("tls", "ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames") }, "fail", /valid certificate/],
    ["no answer", { ...healthy, server: failed("timeout", "ETIMEDOUT", "no answer within 5 s") }, "fail", /does not answer/],
  ] as const)("TLS: %s", (_name, observation, status, detail) => expectVerdict(judgePublicTls(observation as PublicObservation, config), status, detail));

  test("well-knowns and federation", () => {
    expectVerdict(judgePublicWellKnown(healthy, config), "ok");
    expectVerdict(judgePublicWellKnown({ ...healthy, server: answer(200, { "m.server": "chat-yourname.dynu.net:443" }) }, config), "fail", /over the internet/);
    expectVerdict(judgePublicFederation(healthy, config), "ok", /Synapse 1\.163\.2/);
    expectVerdict(judgePublicFederation({ ...healthy, version: answer(404, "") }, config), "fail", /404/);
  });

  test("keys: unreachable or not JSON (signatures: signing.test.ts and the HTTPS integration test)", () => {
    const now = new Date("2026-09-15T00:00:00Z");
    expectVerdict(judgePublicKeys({ ...healthy, keys: answer(502, "") }, host, undefined, now), "fail", /502/);
    expectVerdict(judgePublicKeys({ ...healthy, keys: answer(200, "<html>") }, host, undefined, now), "fail", /JSON/);
    expectVerdict(judgePublicKeys({ ...healthy, keys: answer(200, { server_name: host }) }, host, undefined, now), "fail", /no signature/);
  });
});
