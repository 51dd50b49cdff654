/**
 * The federation tester's checks, done locally against an HTTPS endpoint on
 * 127.0.0.1 with a test CA and an in-process resolver: a correct setup
 * passes; a bad signature, a certificate for the wrong name and the guide's
 * CNAME-to-ts.net fail with their fixes. No test queries a public resolver.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { resolvePaths } from "../../../src/config/paths.ts";
import { publicKeysCheck } from "../../../src/doctor/checks/exposure/public-keys.ts";
import { publicFederationCheck, publicTlsCheck, publicWellKnownCheck } from "../../../src/doctor/checks/exposure/public-path.ts";
import { topologyCheck } from "../../../src/doctor/checks/exposure/topology.ts";
import { createDoctorContext } from "../../../src/doctor/context.ts";
import type { PublicHttp } from "../../../src/doctor/public-http.ts";
import { publicKeyOfSigningKey } from "../../../src/doctor/signing.ts";
import { runChecks } from "../../../src/doctor/run.ts";
import type { CheckResult } from "../../../src/doctor/types.ts";
import { generateSigningKey } from "../../../src/secrets/generate.ts";
import { signJson } from "../../unit/doctor/_sign.ts";
import { createTestCa, type FakeFunnel, loopbackPublicHttp, recordsResolver, startFakeFunnel } from "./_support.ts";

const funnelHost = "desktop.tail1234.ts.net";
const dynuName = "chat-yourname.dynu.net";
const ca = createTestCa();
const funnelCert = ca.issue([funnelHost]);
const servers: FakeFunnel[] = [];
afterAll(() => servers.forEach((server) => server.stop()));

/** A machine with mxhome.toml and a signing key, as `init` leaves it. */
function machine(toml: string): { paths: ReturnType<typeof resolvePaths>; signingKey: string } {
  const paths = resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-public-")) });
  mkdirSync(dirname(paths.configFile), { recursive: true });
  writeFileSync(paths.configFile, toml);
  const signingKey = generateSigningKey();
  mkdirSync(paths.secretsDir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.secrets.signingKey, signingKey, { mode: 0o600 });
  return { paths, signingKey };
}

/** What Caddy and Synapse answer behind Funnel, with the server keys signed by `signWith`. */
function homeserver(serverName: string, ownKey: string, signWith = ownKey) {
  const own = publicKeyOfSigningKey(ownKey)!;
  const keys = { server_name: serverName, valid_until_ts: Date.now() + 86_400_000, old_verify_keys: {}, verify_keys: { [own.keyId]: { key: own.publicKey } } };
  const signed = signJson(keys, serverName, signWith.replace(/ a_\w+ /, ` ${own.keyId.slice("ed25519:".length)} `));
  const json = (body: unknown) => Response.json(body, { headers: { "Access-Control-Allow-Origin": "*" } });
  const routes: Record<string, unknown> = {
    "/.well-known/matrix/server": { "m.server": `${funnelHost}:443` },
    "/.well-known/matrix/client": { "m.homeserver": { base_url: `https://${funnelHost}` } },
    "/_matrix/federation/v1/version": { server: { name: "Synapse", version: "1.163.2" } },
    "/_matrix/key/v2/server": signed,
  };
  return (request: Request) => {
    const body = routes[new URL(request.url).pathname];
    return body ? json(body) : new Response("", { status: 404 });
  };
}

async function runPublicChecks(paths: ReturnType<typeof resolvePaths>, publicHttp: PublicHttp): Promise<Record<string, CheckResult>> {
  const context = createDoctorContext({ paths, io: { publicHttp }, mxhomeBinary: "/usr/local/bin/mxhome" });
  const report = await runChecks([topologyCheck, publicTlsCheck, publicWellKnownCheck, publicFederationCheck, publicKeysCheck], context);
  return Object.fromEntries(report.checks.map((result) => [result.id, result]));
}

const topologyA = `[server]\nserver_name = "${funnelHost}"\n`;
const topologyB = `[server]\nserver_name = "${dynuName}"\npublic_host = "${funnelHost}"\n`;
const resolver = recordsResolver({ [funnelHost]: { addresses: ["127.0.0.1"] } });

describe("the public path", () => {
  test("a correct setup passes every check, and verifies the key against the local one", async () => {
    const { paths, signingKey } = machine(topologyA);
    const funnel = startFakeFunnel({ cert: funnelCert, respond: homeserver(funnelHost, signingKey) });
    servers.push(funnel);
    const results = await runPublicChecks(paths, loopbackPublicHttp(resolver, ca, { [funnelHost]: funnel }));
    expect(Object.values(results).map((r) => [r.id, r.status])).toEqual([
      ["topology", "ok"],
      ["public-tls", "ok"],
      ["public-well-known", "ok"],
      ["public-federation", "ok"],
      ["public-signing-key", "ok"],
    ]);
    expect(results["public-tls"]!.detail).toContain("127.0.0.1");
    expect(results["public-signing-key"]!.detail).toContain("(verified)");
  });

  test("a bad signature fails public-signing-key", async () => {
    const { paths, signingKey } = machine(topologyA);
    const funnel = startFakeFunnel({ cert: funnelCert, respond: homeserver(funnelHost, signingKey, generateSigningKey()) });
    servers.push(funnel);
    const results = await runPublicChecks(paths, loopbackPublicHttp(resolver, ca, { [funnelHost]: funnel }));
    expect(results["public-tls"]!.status).toBe("ok");
    expect(results["public-signing-key"]).toMatchObject({ status: "fail" });
    expect(results["public-signing-key"]!.detail).toContain("does not verify");
    expect(results["public-signing-key"]!.fix).toBeTruthy();
  });

  test("another server's (validly signed) key fails: Funnel reaches the wrong machine", async () => {
    const { paths } = machine(topologyA);
    const funnel = startFakeFunnel({ cert: funnelCert, respond: homeserver(funnelHost, generateSigningKey()) });
    servers.push(funnel);
    const results = await runPublicChecks(paths, loopbackPublicHttp(resolver, ca, { [funnelHost]: funnel }));
    expect(results["public-signing-key"]!.status).toBe("fail");
    expect(results["public-signing-key"]!.detail).toContain("is not this machine's");
  });

  test("a certificate for the wrong name fails public-tls; what needs it is skipped", async () => {
    const { paths, signingKey } = machine(topologyA);
    const funnel = startFakeFunnel({ cert: ca.issue(["someone-else.example"]), respond: homeserver(funnelHost, signingKey) });
    servers.push(funnel);
    const results = await runPublicChecks(paths, loopbackPublicHttp(resolver, ca, { [funnelHost]: funnel }));
    expect(results["public-tls"]).toMatchObject({ status: "fail" });
    expect(results["public-tls"]!.detail).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    for (const id of ["public-well-known", "public-federation", "public-signing-key"]) expect(results[id]).toMatchObject({ status: "skip", detail: "needs public-tls, which failed" });
  });

  test("a certificate from an untrusted CA fails public-tls", async () => {
    const { paths, signingKey } = machine(topologyA);
    const funnel = startFakeFunnel({ cert: createTestCa().issue([funnelHost]), respond: homeserver(funnelHost, signingKey) });
    servers.push(funnel);
    const results = await runPublicChecks(paths, loopbackPublicHttp(resolver, ca, { [funnelHost]: funnel }));
    expect(results["public-tls"]!.status).toBe("fail");
  });

  test("no public DNS record (Funnel off) fails with the funnel command", async () => {
    const { paths } = machine(topologyA);
    const results = await runPublicChecks(paths, loopbackPublicHttp(recordsResolver({}), ca, {}));
    expect(results["public-tls"]!.detail).toContain("no public DNS record");
    expect(results["public-tls"]!.fix).toContain("tailscale funnel --bg --https=443");
  });

  test("the guide's CNAME to ts.net: the topology check explains why it can never federate", async () => {
    const { paths, signingKey } = machine(topologyB);
    const funnel = startFakeFunnel({ cert: funnelCert, respond: homeserver(dynuName, signingKey) });
    servers.push(funnel);
    // Public DNS as the guide leaves it: the Dynu name is a CNAME to the Funnel host.
    const guideDns = recordsResolver({ [dynuName]: { cname: funnelHost }, [funnelHost]: { addresses: ["127.0.0.1"] } });
    const results = await runPublicChecks(paths, loopbackPublicHttp(guideDns, ca, { [dynuName]: funnel, [funnelHost]: funnel }));
    expect(results.topology).toMatchObject({ status: "fail" });
    expect(results.topology!.detail).toContain(`${dynuName} is a CNAME to ${funnelHost} (the guide's step), and it cannot work`);
    expect(results.topology!.fix).toStartWith("Remove the CNAME.");
    expect(results.topology!.fix).toContain(paths.wellKnownExportDir);
    // The Funnel host itself is fine: only the delegation is broken.
    expect(results["public-signing-key"]!.status).toBe("ok");
  });

  test("the custom domain done right: its own HTTPS host serves the delegation", async () => {
    const { paths, signingKey } = machine(topologyB);
    const funnel = startFakeFunnel({ cert: funnelCert, respond: homeserver(dynuName, signingKey) });
    const staticHost = startFakeFunnel({
      cert: ca.issue([dynuName]),
      respond: (request) => {
        const path = new URL(request.url).pathname;
        if (path === "/.well-known/matrix/server") return Response.json({ "m.server": `${funnelHost}:443` });
        if (path === "/.well-known/matrix/client") return Response.json({ "m.homeserver": { base_url: `https://${funnelHost}` } }, { headers: { "Access-Control-Allow-Origin": "*" } });
        return new Response("", { status: 404 });
      },
    });
    servers.push(funnel, staticHost);
    const dns = recordsResolver({ [dynuName]: { addresses: ["127.0.0.1"] }, [funnelHost]: { addresses: ["127.0.0.1"] } });
    const results = await runPublicChecks(paths, loopbackPublicHttp(dns, ca, { [dynuName]: staticHost, [funnelHost]: funnel }));
    expect(Object.values(results).map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(results.topology!.detail).toBe(`${dynuName} delegates to ${funnelHost}:443 (well-known over HTTPS)`);
  });
});
