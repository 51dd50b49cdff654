import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { readTextIfExists } from "../io/fs.ts";
import { images } from "../render/images.ts";
import { quadletUnits } from "../render/quadlet.ts";
import { synapseDatabase } from "../runtime/database.ts";
import { clusterMajor, postgresCandidates } from "../runtime/native/binaries.ts";
import { pinnedSynapseVersion } from "../runtime/native/synapse-lock.ts";
import { readSynapseRecord } from "../runtime/native/synapse-source.ts";
import { managedVenvDir } from "../runtime/native/synapse-venv.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import type { Blocker } from "../runtime/runtime.ts";
import { type ComponentVersions, type DeploymentCheck, imageTag, planUpgrade, quadletImage, tagVersion, upgradeOnlyBlockers } from "./versions.ts";

/**
 * What a deployment is set to run, read from the machine: natively the
 * active venv (synapse.json) and the cluster's PG_VERSION; with podman the
 * Image= of the quadlet files on disk (what the last `up` deployed).
 */

/** Podman: the image a deployed quadlet file names, and the one this mxhome renders. */
function podmanComponent(paths: Paths, component: "synapse" | "postgres" | "caddy"): ComponentVersions {
  const onDisk = quadletImage(readTextIfExists(join(paths.quadletDir, quadletUnits[component].file)) ?? "");
  const version = (image: string | undefined) => {
    const tag = image && imageTag(image);
    return tag ? tagVersion(tag) : undefined;
  };
  return { component, deployed: version(onDisk), source: onDisk ?? "not deployed", pinned: version(images[component]) };
}

/** Native: the newest PostgreSQL major installed (or the configured bindir's): where a distribution upgrade leaves the cluster behind. */
function newestInstalledPostgres(config: Config): string | undefined {
  const majors = postgresCandidates(config.runtime.native.postgres_bindir).flatMap((candidate) => (candidate.major ? [candidate.major] : []));
  return majors.sort((a, b) => Number(b) - Number(a))[0];
}

function nativeSynapse(paths: Paths, config: Config): ComponentVersions {
  if (config.runtime.native.python) return { component: "synapse", source: `runtime.native.python = ${config.runtime.native.python} (yours: mxhome leaves it alone)` };
  const record = readSynapseRecord(paths);
  if (record?.kind === "path") return { component: "synapse", source: `${record.python} (found on PATH before mxhome managed Synapse: left alone)` };
  const version = record?.version;
  return { component: "synapse", deployed: version, source: version ? managedVenvDir(paths, version) : "not installed", pinned: pinnedSynapseVersion };
}

/** Where each component stands, without asking the servers. */
export function deployedVersions(paths: Paths, config: Config): ComponentVersions[] {
  if (config.runtime.kind === "podman") return (["synapse", "postgres", "caddy"] as const).map((component) => podmanComponent(paths, component));
  const cluster = clusterMajor(paths.postgresDir);
  return [
    nativeSynapse(paths, config),
    { component: "postgres", deployed: cluster, source: paths.postgresDir, pinned: newestInstalledPostgres(config) },
    { component: "caddy", source: `${config.runtime.native.caddy} (your distribution's: it updates Caddy)` },
  ];
}

/**
 * What `up` must leave to `mxhome upgrade`. Only podman's `up` moves versions
 * (it renders this mxhome's Image= tags); a native `up` keeps the recorded
 * venv and the cluster's own PostgreSQL major, so it never changes either.
 */
export function upgradeOnlyChanges(paths: Paths, config: Config): Blocker[] {
  return config.runtime.kind === "podman" ? upgradeOnlyBlockers(planUpgrade(deployedVersions(paths, config)).steps) : [];
}

/** Synapse's own answer; undefined when it does not answer. The endpoint needs no token. */
export async function runningSynapseVersion(config: Config): Promise<string | undefined> {
  const http = createSynapseHttp(`http://127.0.0.1:${config.network.synapse_port}`, { timeoutMs: 5_000, maxRateLimitRetries: 0 });
  try {
    return (await http.request<{ server_version?: string }>("GET", "/_synapse/admin/v1/server_version")).server_version;
  } catch {
    return undefined;
  }
}

/** PostgreSQL's `server_version` ("15.14 (Debian 15.14-0+deb12u1)" → "15.14"); undefined when it does not answer. */
export async function runningPostgresVersion(paths: Paths, config: Config): Promise<string | undefined> {
  try {
    return (await synapseDatabase(paths, config).serverVersion()).trim().split(/\s/)[0] || undefined;
  } catch {
    return undefined;
  }
}

/** Deployed and running versions of every component. */
export async function observeVersions(paths: Paths, config: Config): Promise<ComponentVersions[]> {
  const [synapse, postgres] = await Promise.all([runningSynapseVersion(config), runningPostgresVersion(paths, config)]);
  const running: Partial<Record<ComponentVersions["component"], string>> = { synapse, postgres };
  return deployedVersions(paths, config).map((component) => ({ ...component, running: running[component.component] }));
}

/** `upgrade --check`: every component's versions and the steps to this mxhome's pins. */
export async function checkDeploymentVersions(paths: Paths, config: Config): Promise<DeploymentCheck> {
  const components = await observeVersions(paths, config);
  return { runtime: config.runtime.kind, components, ...planUpgrade(components) };
}
