import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { readTextIfExists } from "../io/fs.ts";
import { images, synapseImage } from "../render/images.ts";
import { quadletUnits } from "../render/quadlet.ts";
import { clusterMajor, postgresCandidates } from "../runtime/native/binaries.ts";
import { pinnedSynapseVersion } from "../runtime/native/synapse-lock.ts";
import { readSynapseRecord } from "../runtime/native/synapse-source.ts";
import { managedVenvDir } from "../runtime/native/synapse-venv.ts";
import { deployedPodmanSynapse } from "../runtime/podman/synapse-image.ts";
import type { Blocker } from "../runtime/runtime.ts";
import { type ComponentVersions, imageVersion, planUpgrade, quadletImage, upgradeOnlyBlockers } from "./versions.ts";

/**
 * What a deployment is set to run, read from files only (status and `up`
 * read it; nothing is probed): natively the active venv (synapse.json) and
 * the cluster's PG_VERSION; with podman the Image= of the quadlet files on
 * disk (what the last `up` deployed), and for Synapse its record (which `up`
 * keeps: only `mxhome upgrade` moves it).
 */

/** Podman: the image a deployed quadlet file names, and the one this mxhome renders. */
function podmanComponent(paths: Paths, component: "synapse" | "postgres" | "caddy"): ComponentVersions {
  if (component === "synapse") {
    const deployed = deployedPodmanSynapse(paths);
    return { component, deployed: deployed?.version, source: deployed ? synapseImage(deployed.version) : "not deployed", pinned: pinnedSynapseVersion };
  }
  const onDisk = quadletImage(readTextIfExists(join(paths.quadletDir, quadletUnits[component].file)) ?? "");
  return { component, deployed: imageVersion(onDisk), source: onDisk ?? "not deployed", pinned: imageVersion(images[component]) };
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
 * (it renders this mxhome's Image= tags, but the recorded Synapse's); a
 * native `up` keeps the recorded venv and the cluster's own PostgreSQL
 * major, so it never changes either.
 */
export function upgradeOnlyChanges(paths: Paths, config: Config): Blocker[] {
  return config.runtime.kind === "podman" ? upgradeOnlyBlockers(planUpgrade(deployedVersions(paths, config)).steps) : [];
}

