/**
 * `up` checks every program before it starts anything: a Synapse python
 * without its PostgreSQL driver, or PostgreSQL programs of another major than
 * the cluster's, refuse the run with the fix and leave nothing running; so
 * does a Synapse install that cannot download anything (it runs first).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runDoctor } from "../../../src/doctor/index.ts";
import { observeSynapse } from "../../../src/runtime/native/synapse-source.ts";
import { keptLockFile } from "../../../src/runtime/native/synapse-venv.ts";
import { pinnedSynapseVersion } from "../../../src/runtime/native/synapse-lock.ts";
import { clusterExists, postgresDaemon } from "../../../src/runtime/native/postgres.ts";
import { runningPid } from "../../../src/runtime/native/process.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { components } from "../../support/components.ts";
import { initTestHome, type TestHome } from "../../support/server.ts";

const scratch = mkdtempSync(join(tmpdir(), "mxhome-programs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A real Synapse install without psycopg2: the provisioned venv's packages,
 * minus the driver, on a bare venv's path (what `pip install matrix-synapse` gives).
 */
function driverlessPython(): string {
  const venv = join(scratch, "driverless");
  expect(Bun.spawnSync(["/usr/bin/python3", "-m", "venv", "--without-pip", venv]).exitCode).toBe(0);
  const provisioned = Bun.spawnSync([components.synapsePython, "-c", "import synapse, os; print(os.path.dirname(os.path.dirname(synapse.__file__)))"]).stdout.toString().trim();
  const packages = join(scratch, "packages-without-driver");
  mkdirSync(packages);
  for (const name of readdirSync(provisioned).filter((entry) => !entry.startsWith("psycopg2"))) symlinkSync(join(provisioned, name), join(packages, name));
  const sitePackages = Bun.spawnSync([join(venv, "bin", "python"), "-c", "import site; print(site.getsitepackages()[0])"]).stdout.toString().trim();
  writeFileSync(join(sitePackages, "mxhome-test.pth"), `${packages}\n`);
  return join(venv, "bin", "python");
}

async function refusal(home: TestHome): Promise<MxError> {
  const error = await home.up().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(MxError);
  return error as MxError;
}

async function nativePrograms(home: TestHome) {
  const report = await runDoctor({ paths: home.paths, offline: true, mxhomeBinary: "/usr/local/bin/mxhome", only: "native-programs" });
  return report.checks.find((check) => check.id === "native-programs")!;
}

const nothingRunning = (home: TestHome) => {
  expect(runningPid(postgresDaemon(home.paths.postgresDir))).toBeUndefined();
  const pidFiles = existsSync(home.paths.nativeRunDir) ? readdirSync(home.paths.nativeRunDir).filter((name) => name.endsWith(".pid")) : [];
  expect(pidFiles).toEqual([]);
};

describe("programs are checked before anything starts", () => {
  test("a python override with Synapse but no psycopg2: refused, the driver and its pip command named, nothing running", async () => {
    const python = driverlessPython();
    const home = await initTestHome({ configure: (config) => (config.runtime.native.python = python) });
    const error = await refusal(home);
    expect(error.code).toBe("native.synapse-missing");
    expect(error.message).toContain("not its PostgreSQL driver");
    expect(error.hint).toContain(`${python} -m pip install psycopg2-binary`);
    expect(clusterExists(home.paths.postgresDir)).toBe(false);
    nothingRunning(home);
    const check = await nativePrograms(home);
    expect(check.status).toBe("fail");
    expect(check.fix).toContain("psycopg2-binary");
  }, 120_000);

  test("PostgreSQL programs of another major than the cluster's: refused, doctor names both versions", async () => {
    const home = await initTestHome({ configure: (config) => (config.runtime.native.postgres_bindir = "") });
    // A cluster made by a PostgreSQL major this machine does not have (as after a distribution upgrade).
    mkdirSync(home.paths.postgresDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(home.paths.postgresDir, "PG_VERSION"), "14\n");
    const error = await refusal(home);
    expect(error.code).toBe("native.postgres-version-mismatch");
    expect(error.message).toContain("created by PostgreSQL 14");
    expect(error.hint).toContain("postgresql-14");
    nothingRunning(home);
    const check = await nativePrograms(home);
    expect(check.status).toBe("fail");
    expect(check.detail).toContain(`PostgreSQL ${components.postgresBindir.match(/\d+/)![0]} in ${components.postgresBindir}`);
  }, 120_000);

  test("an existing deployment whose Synapse came from a python3 on PATH keeps it; a new one gets mxhome's own", async () => {
    const home = await initTestHome({ configure: (config) => (config.runtime.native.python = "") });
    const config = { ...home.config, runtime: { ...home.config.runtime, native: { ...home.config.runtime.native, python: "" } } };
    const path = `${dirname(components.synapsePython)}:/usr/bin:/bin`;
    const fresh = await observeSynapse(home.paths, config, false, { path });
    expect(fresh).toMatchObject({ origin: "managed", unrecorded: true });
    const existing = await observeSynapse(home.paths, config, true, { path });
    expect(existing).toMatchObject({ origin: "path", python: join(dirname(components.synapsePython), "python3"), unrecorded: true });
    expect(existing.probe.driver).toBeDefined();
  }, 60_000);

  test("no way to download Synapse: the offline option named, nothing half-installed, nothing started", async () => {
    const emptyWheelhouse = join(scratch, "no-wheels");
    mkdirSync(emptyWheelhouse);
    const saved = { ...process.env };
    Object.assign(process.env, { PIP_NO_INDEX: "1", PIP_FIND_LINKS: emptyWheelhouse, PIP_CONFIG_FILE: "/dev/null" });
    try {
      const home = await initTestHome({ configure: (config) => (config.runtime.native.python = "") });
      const error = await refusal(home);
      expect(error.code).toBe("native.synapse-install-offline");
      expect(error.hint).toContain(`PIP_NO_INDEX=1 PIP_FIND_LINKS=`);
      expect(error.hint).toContain(keptLockFile(home.paths, pinnedSynapseVersion));
      // Only the kept lock: no venv, no hidden build directory.
      expect(readdirSync(home.paths.synapseVenvsDir)).toEqual([`${pinnedSynapseVersion}.lock`]);
      expect(clusterExists(home.paths.postgresDir)).toBe(false);
      nothingRunning(home);
    } finally {
      for (const key of ["PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"]) if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }, 120_000);
});
