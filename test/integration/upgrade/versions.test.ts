import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../../../src/io/managed-files.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import { images } from "../../../src/render/images.ts";
import { quadletUnits } from "../../../src/render/quadlet.ts";
import { clusterMajor } from "../../../src/runtime/native/binaries.ts";
import { pinnedSynapseVersion } from "../../../src/runtime/native/synapse-lock.ts";
import { writeSynapseRecord } from "../../../src/runtime/native/synapse-source.ts";
import { runtimeFor } from "../../../src/runtime/select.ts";
import { desiredFor, runUp } from "../../../src/runtime/up.ts";
import { ensureSecrets } from "../../../src/secrets/ensure.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { checkDeploymentVersions } from "../../../src/upgrade/observe.ts";
import { freshHome } from "../../support/binary.ts";
import { testServer } from "../../support/server.ts";

/**
 * What runs against what this mxhome pins, read from a real deployment: the
 * shared native server (PostgreSQL from Debian, the provisioned Synapse set
 * as runtime.native.python), and a podman deployment's quadlet files on disk.
 */
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describe("upgrade --check's observations on the shared native server", () => {
  test("Synapse's and PostgreSQL's own answers; a python of your own is reported, not upgraded", async () => {
    const server = await testServer();
    const check = await checkDeploymentVersions(server.paths, server.config);
    const [synapse, postgres, caddy] = check.components;
    // The provisioned Synapse is the pinned one (provisioning reads synapse.lock).
    expect(synapse).toMatchObject({ component: "synapse", running: pinnedSynapseVersion });
    expect(synapse!.pinned).toBeUndefined();
    expect(synapse!.source).toContain("mxhome leaves it alone");
    const major = clusterMajor(server.paths.postgresDir)!;
    expect(postgres).toMatchObject({ component: "postgres", deployed: major });
    expect(postgres!.running!.split(".")[0]).toBe(major);
    expect(caddy!.pinned).toBeUndefined();
    expect(check.steps.map((step) => step.kind)).toEqual(["unmanaged", postgres!.pinned === major ? "current" : "major", "unmanaged"]);
  }, 60_000);
});

describe("up leaves version changes it must not make to upgrade (podman)", () => {
  const podmanHome = () => {
    const home = freshHome();
    homes.push(home);
    const paths = resolvePaths({ HOME: home });
    mkdirSync(join(home, ".config", "mxhome"), { recursive: true });
    copyFileSync(join(import.meta.dir, "../../fixtures/configs/funnel-host.toml"), paths.configFile);
    mkdirSync(paths.quadletDir, { recursive: true });
    ensureSecrets(paths);
    return { paths, config: loadConfig(paths.configFile) };
  };
  const options = { dryRun: false, force: false, adminPassword: { kind: "generate" } as const, onTerminal: false, mxhomeBinary: "/usr/local/bin/mxhome" };

  test("a deployed PostgreSQL 15 image: up refuses, names mxhome upgrade, and writes nothing", async () => {
    const { paths, config } = podmanHome();
    const unit = join(paths.quadletDir, quadletUnits.postgres.file);
    const deployed = "[Container]\nImage=docker.io/library/postgres:15.8-alpine\n";
    writeFileSync(unit, deployed);
    // As an older mxhome wrote it: recorded in the manifest, so it is not a hand edit.
    mkdirSync(paths.stateDir, { recursive: true });
    writeFileSync(paths.renderedManifestFile, JSON.stringify({ files: { [unit]: sha256(deployed) } }));
    const dry = await runUp(paths, config, { ...options, dryRun: true });
    expect(dry.plan.blockers.map((blocker) => blocker.code)).toContain("upgrade.postgres-major");
    const refused = await runUp(paths, config, options).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MxError);
    expect(`${(refused as MxError).message} ${(refused as MxError).hint}`).toContain("mxhome upgrade");
    expect(readFileSync(unit, "utf8")).toBe(deployed);
  });

  test("a deployed newer Synapse image is not replaced by this mxhome's older one", async () => {
    const { paths, config } = podmanHome();
    writeFileSync(join(paths.quadletDir, quadletUnits.synapse.file), "[Container]\nImage=ghcr.io/element-hq/synapse:v99.0.0\n");
    const dry = await runUp(paths, config, { ...options, dryRun: true });
    const blocker = dry.plan.blockers.find((found) => found.code === "upgrade.synapse-downgrade");
    expect(blocker?.message).toContain(`99.0.0 is deployed, but this mxhome pins the older ${images.synapse.split(":v")[1]}`);
  });

  test("a recorded older Synapse: up renders its image, not the pin, and refuses nothing (only `mxhome upgrade` moves it)", async () => {
    const { paths, config } = podmanHome();
    writeSynapseRecord(paths, { kind: "managed", version: "1.150.0" });
    // The unit on disk names the pin: the record wins.
    writeFileSync(join(paths.quadletDir, quadletUnits.synapse.file), `[Container]\nImage=${images.synapse}\n`);
    const unit = desiredFor(paths, config, runtimeFor(paths, config), options.mxhomeBinary).writes.find((write) => write.file.path.endsWith(quadletUnits.synapse.file));
    expect(unit?.file.content).toContain("\nImage=ghcr.io/element-hq/synapse:v1.150.0\n");
    const dry = await runUp(paths, config, { ...options, dryRun: true });
    expect(dry.plan.blockers.filter((blocker) => blocker.code.startsWith("upgrade."))).toEqual([]);
    const check = await checkDeploymentVersions(paths, config);
    expect(check.steps[0]).toEqual({ component: "synapse", kind: "forward", from: "1.150.0", to: pinnedSynapseVersion });
  });

  test("what this mxhome deployed itself passes", async () => {
    const { paths, config } = podmanHome();
    for (const service of ["postgres", "synapse"] as const) writeFileSync(join(paths.quadletDir, quadletUnits[service].file), `[Container]\nImage=${images[service]}\n`);
    const dry = await runUp(paths, config, { ...options, dryRun: true });
    expect(dry.plan.blockers.filter((blocker) => blocker.code.startsWith("upgrade."))).toEqual([]);
  });
});
