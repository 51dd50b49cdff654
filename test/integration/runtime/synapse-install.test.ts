/**
 * mxhome's own Synapse, for real: `up` installs the locked wheels from the
 * wheelhouse provisioning filled (PIP_NO_INDEX: nothing reaches PyPI), reuses
 * the venv, rebuilds a broken one, and heals a venv deleted under the running
 * server, which doctor reports instead of "all OK".
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runDoctor } from "../../../src/doctor/index.ts";
import { pinnedSynapseVersion } from "../../../src/runtime/native/synapse-lock.ts";
import { synapseRecordFile, writeSynapseRecord } from "../../../src/runtime/native/synapse-source.ts";
import { keptLockFile, managedPython, managedVenvDir } from "../../../src/runtime/native/synapse-venv.ts";
import { components } from "../../support/components.ts";
import { initTestHome, type TestHome } from "../../support/server.ts";

// pip's own settings, as a user would pass them for an offline install.
const pipSettings = { PIP_NO_INDEX: "1", PIP_FIND_LINKS: components.synapseWheels, PIP_CONFIG_FILE: "/dev/null" };
const saved = Object.fromEntries(Object.keys(pipSettings).map((key) => [key, process.env[key]]));
let home: TestHome;
const actions = (report: Awaited<ReturnType<TestHome["up"]>>) => report.plan.actions.map((action) => ("service" in action ? `${action.kind} ${action.service}` : action.kind));
const healthy = async () => (await fetch(`http://127.0.0.1:${home.config.network.synapse_port}/health`)).status === 200;
async function nativePrograms() {
  const report = await runDoctor({ paths: home.paths, offline: true, mxhomeBinary: "/usr/local/bin/mxhome", only: "native-programs" });
  return report.checks.find((check) => check.id === "native-programs")!;
}

beforeAll(async () => {
  Object.assign(process.env, pipSettings);
  home = await initTestHome({ configure: (config) => (config.runtime.native.python = "") });
}, 60_000);
afterAll(async () => {
  await home?.down();
  for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}, 60_000);

describe("the managed Synapse venv", () => {
  test("a fresh up installs the locked Synapse from the wheelhouse first, then the server is healthy", async () => {
    const report = await home.up();
    expect(actions(report)).toEqual(["install-synapse", "init-database-cluster", "start postgres", "create-database", "start synapse", "start caddy"]);
    expect(existsSync(managedPython(home.paths, pinnedSynapseVersion))).toBe(true);
    expect(JSON.parse(readFileSync(synapseRecordFile(home.paths), "utf8")).source).toEqual({ kind: "managed", version: pinnedSynapseVersion });
    expect(await healthy()).toBe(true);
    const check = await nativePrograms();
    expect(check.status).toBe("ok");
    expect(check.detail).toContain(`Synapse ${pinnedSynapseVersion} with psycopg2`);
  }, 600_000);

  test("a second up reuses the venv", async () => {
    const report = await home.up();
    expect(report.changed).toBe(false);
  }, 60_000);

  test("a venv deleted under the running server: doctor fails with the fix, up reinstalls and restarts Synapse", async () => {
    rmSync(managedVenvDir(home.paths, pinnedSynapseVersion), { recursive: true });
    expect(await healthy()).toBe(true); // still running from memory: exactly what must not look healthy
    const check = await nativePrograms();
    expect(check.status).toBe("fail");
    expect(check.detail).toContain("would not start again");
    expect(check.fix).toContain("mxhome up");
    const report = await home.up();
    expect(actions(report)).toEqual(["install-synapse", "restart synapse"]);
    expect(await healthy()).toBe(true);
    expect((await nativePrograms()).status).toBe("ok");
  }, 600_000);

  test("a broken venv (its PostgreSQL driver gone) is rebuilt at the next up", async () => {
    await home.down();
    const sitePackages = join(managedVenvDir(home.paths, pinnedSynapseVersion), "lib");
    const driver = Bun.spawnSync(["sh", "-c", `ls -d ${sitePackages}/python3*/site-packages/psycopg2`]).stdout.toString().trim();
    rmSync(driver, { recursive: true });
    const check = await nativePrograms();
    expect(check.status).toBe("fail");
    expect(check.detail).toContain("not its PostgreSQL driver");
    const report = await home.up();
    expect(actions(report).slice(0, 2)).toEqual(["install-synapse", "start postgres"]);
    expect(report.plan.actions[0]).toMatchObject({ reason: "its venv is broken" });
    expect(await healthy()).toBe(true);
  }, 600_000);

  test("a recorded Synapse of another version than the pin, its venv and kept lock gone: up stops naming `mxhome upgrade`, installing nothing", async () => {
    const record = readFileSync(synapseRecordFile(home.paths), "utf8");
    const other = "1.0.0"; // as an older mxhome, or one `mxhome upgrade` rolled back, recorded it
    writeSynapseRecord(home.paths, { kind: "managed", version: other });
    try {
      const error = await home.up().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "native.synapse-lock-missing" });
      expect((error as Error).message).toContain(keptLockFile(home.paths, other));
      expect((error as { hint: string }).hint).toContain("mxhome upgrade");
      expect(existsSync(managedVenvDir(home.paths, other))).toBe(false);
    } finally {
      writeFileSync(synapseRecordFile(home.paths), record);
    }
  }, 60_000);
});
