/**
 * Break one thing at a time on a throwaway native server and check that the
 * right check fails with its fix; every break is undone before the next, and
 * the doctor is healthy again after each.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { caddyfilePath } from "../../../src/render/caddy.ts";
import { runDoctor } from "../../../src/doctor/index.ts";
import type { CheckResult } from "../../../src/doctor/types.ts";
import { runDown } from "../../../src/runtime/down.ts";
import { startNativeService, stopNativeService } from "../../../src/runtime/native/services.ts";
import { headline } from "../../../src/status/format.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import { logout } from "../../../src/synapse/client.ts";
import { setQuiet, setVerbose } from "../../../src/ui/logger.ts";
import { repoRoot } from "../../support/components.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { fakeTailscale } from "./_support.ts";

const mxhomeBinary = "/usr/local/bin/mxhome";
let server: TestServer;
let tailscale: string;

beforeAll(async () => {
  server = await startTestServer();
  tailscale = fakeTailscale(server.serverName, server.config.network.caddy_port);
}, 120_000);
afterAll(() => server?.stop(), 60_000);

async function doctor(): Promise<Record<string, CheckResult>> {
  const report = await runDoctor({ paths: server.paths, offline: true, mxhomeBinary, io: { tailscale } });
  return Object.fromEntries(report.checks.map((result) => [result.id, result]));
}

function expectFailure(results: Record<string, CheckResult>, id: string, detail: string, fix: string): void {
  expect(results[id]).toMatchObject({ status: "fail" });
  expect(results[id]!.detail).toContain(detail);
  expect(results[id]!.fix).toContain(fix);
}

async function expectHealthy(): Promise<void> {
  const results = await doctor();
  expect(Object.values(results).filter((r) => r.status === "fail" || r.status === "warn").map((r) => `${r.id}: ${r.detail}`)).toEqual([]);
}

/** Edits a file for the duration of `work`, then puts the original back. */
async function withEdited(file: string, edit: (text: string) => string, work: () => Promise<void>, afterRestore?: () => Promise<void>): Promise<void> {
  const original = readFileSync(file, "utf8");
  writeFileSync(file, edit(original));
  try {
    await work();
  } finally {
    writeFileSync(file, original);
    await afterRestore?.();
  }
}

const restartCaddy = async () => {
  await stopNativeService(server.paths, "caddy");
  await startNativeService(server.paths, server.config, "caddy");
};

describe("doctor finds each break, with its fix", () => {
  test("the throwaway server starts healthy", expectHealthy);

  test("Synapse stopped", async () => {
    await stopNativeService(server.paths, "synapse");
    try {
      const results = await doctor();
      expect(results.synapse).toMatchObject({ status: "fail" });
      expect(results.synapse!.fix).toContain("mxhome up");
      expect(results["services-running"]!.detail).toContain("synapse: stopped");
      expect(results.tokens).toMatchObject({ status: "skip", detail: "needs synapse, which failed" });
      const status = await gatherStatus({ paths: server.paths });
      if (!status.configured) throw new Error("the server is configured");
      expect(headline(status).text).toContain("DOWN: synapse is stopped");
      expect(status.counts).toBeUndefined();
      expect(status.sizes.databaseBytes).toBeGreaterThan(0);
    } finally {
      await server.up();
    }
    await expectHealthy();
  }, 120_000);

  test("a secret readable by everyone", async () => {
    const file = server.paths.secrets.formSecret;
    chmodSync(file, 0o644);
    try {
      const results = await doctor();
      expect(results["file-modes"]).toMatchObject({ status: "fail", fix: `chmod 600 ${file}` });
      expect(results["file-modes"]!.detail).toContain("readable by every local user");
    } finally {
      chmodSync(file, 0o600);
    }
    await expectHealthy();
  });

  test("registration opened in the overrides file", async () => {
    await withEdited(server.paths.synapseOverridesFile, (text) => `${text}\nenable_registration: true\n`, async () => {
      const results = await doctor();
      expect(results["homeserver-safety"]).toMatchObject({ status: "fail" });
      expect(results["homeserver-safety"]!.detail).toContain("registration is open");
      expect(results["homeserver-safety"]!.fix).toContain(`\`enable_registration\` in ${server.paths.synapseOverridesFile}`);
    });
    await expectHealthy();
  });

  test("a managed file edited by hand", async () => {
    const file = join(server.paths.synapseDir, "homeserver.yaml");
    await withEdited(file, (text) => text.replace("max_upload_size:", "# raised by hand\nmax_upload_size:"), async () => {
      const results = await doctor();
      expect(results["rendered-files"]).toMatchObject({ status: "fail" });
      expect(results["rendered-files"]!.detail).toContain(`edited by hand: ${file}`);
      expect(results["rendered-files"]!.fix).toContain("mxhome up --force");
      expect(results["rendered-files"]!.details).toContain("+# raised by hand");
    });
    await expectHealthy();
  });

  test.each([
    {
      name: "a Caddyfile that exposes /_synapse/admin",
      edit: (text: string) =>
        text.replace(/\thandle \/_synapse\/admin\* \{\n\t\trespond 404\n\t\}\n/, "").replace("@synapse path /_matrix/* /_synapse/client/*", "@synapse path /_matrix/* /_synapse/*"),
      id: "caddy-admin-hidden",
      detail: "anyone on the internet reaches the admin API",
    },
    {
      name: "a wrong well-known (the guide's Dynu name)",
      edit: (text: string) => text.replace(/respond `\{"m\.server":"[^"]+"\}`/, 'respond `{"m.server":"chat-yourname.dynu.net:443"}`'),
      id: "caddy-well-known",
      detail: '"chat-yourname.dynu.net:443"',
    },
  ])("$name", async ({ edit, id, detail }) => {
    await withEdited(caddyfilePath(server.paths), edit, async () => {
      await restartCaddy();
      const results = await doctor();
      expectFailure(results, id, detail, "mxhome up --force");
      expectFailure(results, "rendered-files", "edited by hand", "mxhome up --force");
    }, restartCaddy);
    await expectHealthy();
  }, 120_000);

  test("a revoked token", async () => {
    await logout(server.http, server.bot.accessToken);
    try {
      const results = await doctor();
      expect(results.tokens).toMatchObject({ status: "fail" });
      expect(results.tokens!.detail).toContain("kick bot");
      expect(results.tokens!.detail).toContain("revoked");
      expect(results.tokens!.fix).toStartWith("mxhome up");
    } finally {
      await server.up();
    }
    await expectHealthy();
  }, 120_000);

  test.each([
    ["a value the schema refuses", (text: string) => text.replace('max_upload = "10M"', 'max_upload = "10"'), 'server.max_upload = "10" is invalid'],
    ["a TOML syntax error", (text: string) => text.replace('max_upload = "10M"', "max_upload = "), "TOML syntax error"],
  ])("an invalid mxhome.toml (%s): status names file:line, exits 2, and still shows the services", async (_name, edit, message) => {
    const original = readFileSync(server.paths.configFile, "utf8");
    const line = original.split("\n").findIndex((text) => text.startsWith("max_upload")) + 1;
    await withEdited(server.paths.configFile, edit, async () => {
      const home = resolve(server.paths.configDir, "..", "..");
      const env = { ...process.env, HOME: home, NO_COLOR: "1", XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined };
      const text = Bun.spawnSync([process.execPath, resolve(repoRoot, "src/cli.ts"), "status"], { env });
      expect(text.exitCode).toBe(2);
      expect(text.stderr.toString()).toContain(`${server.paths.configFile}:${line}: ${message}`);
      expect(text.stdout.toString()).not.toContain("mxhome is mxhome.toml");
      for (const service of ["postgres", "synapse", "caddy"]) expect(text.stdout.toString()).toMatch(new RegExp(`OK +${service} +running`));
      const json = Bun.spawnSync([process.execPath, resolve(repoRoot, "src/cli.ts"), "status", "--json"], { env });
      expect(json.exitCode).toBe(2);
      const document = JSON.parse(json.stdout.toString());
      expect(document).toMatchObject({ configured: false, problem: "invalid" });
      expect(document.problems[0]).toStartWith(`${server.paths.configFile}:${line}:`);
      expect(document.services.map((service: { state: string }) => service.state)).toEqual(["running", "running", "running"]);
    });
  }, 60_000);

  test("everything stopped (`mxhome down`): status says so plainly, doctor names the fix", async () => {
    setQuiet(true);
    await runDown(server.paths, server.config, { dryRun: false, mxhomeBinary }).finally(() => setVerbose(false));
    const status = await gatherStatus({ paths: server.paths });
    if (!status.configured) throw new Error("the server is configured");
    expect(headline(status)).toEqual({ up: false, text: "The homeserver is DOWN: nothing is running. Start it with `mxhome up`." });
    expect(status.sizes.databaseBytes).toBeUndefined();
    const results = await doctor();
    for (const id of ["services-running", "postgres", "synapse"]) expect(results[id]).toMatchObject({ status: "fail", fix: expect.stringContaining("mxhome up") });
    expect(results["database-collation"]!.status).toBe("skip");
  }, 60_000);
});
