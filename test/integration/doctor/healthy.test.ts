/**
 * A healthy native server (the shared test server): every applicable check is
 * ok, info or skip, the public path included (a loopback "Funnel" with a test
 * CA in front of the real Caddy, so the real Synapse's signed keys are
 * verified), and the CLI prints one JSON document and exits 0.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runDoctor } from "../../../src/doctor/index.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import type { DoctorReport } from "../../../src/doctor/types.ts";
import { repoRoot } from "../../support/components.ts";
import { type TestServer, testServer } from "../../support/server.ts";
import { createTestCa, type FakeFunnel, fakeTailscale, loopbackPublicHttp, recordsResolver, startFakeFunnel } from "./_support.ts";

/** What the test server renders its timers with (test/support/server.ts). */
const mxhomeBinary = "/usr/local/bin/mxhome";

let server: TestServer;
let funnel: FakeFunnel;
let report: DoctorReport;
let tailscale: string;

beforeAll(async () => {
  server = await testServer();
  const host = server.serverName;
  const ca = createTestCa();
  funnel = startFakeFunnel({ cert: ca.issue([host]), upstream: server.publicUrl });
  tailscale = fakeTailscale(host, server.config.network.caddy_port);
  const publicHttp = loopbackPublicHttp(recordsResolver({ [host]: { addresses: ["127.0.0.1"] } }), ca, { [host]: funnel });
  report = await runDoctor({ paths: server.paths, mxhomeBinary, io: { tailscale, publicHttp } });
}, 120_000);
afterAll(() => funnel?.stop());

describe("doctor on a healthy native server", () => {
  test("no warn, no fail", () => {
    const problems = report.checks.filter((result) => result.status === "warn" || result.status === "fail");
    expect(problems.map((result) => `${result.id}: ${result.detail}`)).toEqual([]);
    expect(report.summary.fail + report.summary.warn).toBe(0);
  });

  test.each([
    "config-valid", "rendered-files", "secrets", "file-modes", "homeserver-safety", "database-collation",
    "services-running", "postgres", "synapse", "versions", "tokens", "caddy-well-known", "caddy-proxy", "caddy-admin-hidden", "sliding-sync",
    "tailscale", "funnel-capability", "funnel", "topology", "public-tls", "public-well-known", "public-federation", "public-signing-key",
  ])("%s is ok", (id) => expect(report.checks.find((result) => result.id === id)?.status).toBe("ok"));

  test("podman-only checks are skipped natively; AppArmor and the outbound exposure are info", () => {
    const status = (id: string) => report.checks.find((result) => result.id === id)?.status;
    for (const id of ["podman", "cgroups-v2", "cgroup-delegation", "subids", "linger", "user-systemd", "restarts"]) expect(status(id)).toBe("skip");
    expect(status("apparmor")).toBe("info");
    expect(status("outbound")).toBe("info");
    expect(report.checks.find((result) => result.id === "public-signing-key")!.detail).toContain("(verified)");
  });

  test("the CLI: --json prints one document, exit 0", () => {
    const result = Bun.spawnSync([process.execPath, join(repoRoot, "src", "cli.ts"), "doctor", "--offline", "--json", "--only", "services"], {
      env: { ...process.env, HOME: join(server.paths.configDir, "..", ".."), XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined },
    });
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout.toString());
    expect(document).toMatchObject({ schemaVersion: 1, command: "doctor" });
    expect(document.checks.map((check: { id: string }) => check.id)).toContain("synapse");
    expect(document.summary.fail).toBe(0);
  });

  test("the CLI: grouped text with plain words when not on a terminal", () => {
    const result = Bun.spawnSync([process.execPath, join(repoRoot, "src", "cli.ts"), "doctor", "--offline", "--only", "config"], {
      env: { ...process.env, HOME: join(server.paths.configDir, "..", ".."), XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined, NO_COLOR: "1" },
    });
    const text = result.stdout.toString();
    expect(text).toStartWith("Configuration\n");
    expect(text).toMatch(/^ {2}OK {3}secrets /m);
    expect(text).not.toContain("\x1b[");
  });
});

describe("status on a healthy native server", () => {
  test("services, version, counts, sizes", async () => {
    const status = await gatherStatus({ paths: server.paths });
    if (!status.configured) throw new Error("the server is configured");
    expect(status.services.map((service) => [service.service, service.state])).toEqual([["postgres", "running"], ["synapse", "running"], ["caddy", "running"]]);
    for (const service of status.services) {
      expect(service.since).toBeLessThanOrEqual(Date.now());
      expect(service.memoryBytes).toBeGreaterThan(1024 * 1024);
    }
    expect(status.synapse).toEqual({ healthy: true, version: "1.163.2" });
    expect(status.counts!.users).toBeGreaterThanOrEqual(3);
    expect(status.sizes.databaseBytes).toBeGreaterThan(1024 * 1024);
    expect(status.sizes.mediaBytes).toBeGreaterThanOrEqual(0);
    expect(status.publicUrl).toBe(`https://${server.serverName}`);
  });

  test("the CLI: status --json is one document; the screen says it is up", () => {
    const env = { ...process.env, HOME: join(server.paths.configDir, "..", ".."), XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined, NO_COLOR: "1" };
    const json = Bun.spawnSync([process.execPath, join(repoRoot, "src", "cli.ts"), "status", "--json"], { env });
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ schemaVersion: 1, command: "status", configured: true, synapse: { healthy: true } });
    const screen = Bun.spawnSync([process.execPath, join(repoRoot, "src", "cli.ts"), "status"], { env });
    expect(screen.stdout.toString()).toContain("OK The homeserver is up.");
  });
});
