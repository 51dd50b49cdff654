import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import { readTextIfExists } from "../../io/fs.ts";
import { synapseImage } from "../../render/images.ts";
import { quadletUnits } from "../../render/quadlet.ts";
import { imageVersion, quadletImage } from "../../upgrade/versions.ts";
import { pinnedSynapseVersion } from "../native/synapse-lock.ts";
import { readSynapseRecord } from "../native/synapse-source.ts";

/**
 * Which Synapse a podman deployment runs. As natively, the state dir's
 * record (synapse.json, `managed` + version) says so: `up` renders that
 * version's image and never moves it; only `mxhome upgrade` does, with a
 * pre-upgrade archive first. A deployment from before the record runs what
 * its unit file on disk names; a new one gets the pin.
 */
export interface DeployedSynapse {
  version: string;
  /** False: read from the unit on disk (or the pin, for a new deployment); `up` records it. */
  recorded: boolean;
}

/** What `up` runs of Synapse (src/runtime/podman/plan.ts). */
export interface PodmanSynapse extends DeployedSynapse {
  image: string;
  /** This mxhome's pin. */
  pinned: string;
}

/** The version in the unit file on disk, if any. */
const unitOnDiskVersion = (paths: Paths) => imageVersion(quadletImage(readTextIfExists(join(paths.quadletDir, quadletUnits.synapse.file)) ?? ""));

/** Reads files only: the record, else the unit on disk, else undefined (nothing deployed yet). */
export function deployedPodmanSynapse(paths: Paths): DeployedSynapse | undefined {
  const record = readSynapseRecord(paths);
  if (record?.kind === "managed") return { version: record.version, recorded: true };
  const onDisk = unitOnDiskVersion(paths);
  return onDisk ? { version: onDisk, recorded: false } : undefined;
}

/** The Synapse this podman deployment runs (or, when new, will): what `up` renders and records. */
export function podmanSynapse(paths: Paths): PodmanSynapse {
  const deployed = deployedPodmanSynapse(paths) ?? { version: pinnedSynapseVersion, recorded: false };
  return { ...deployed, image: synapseImage(deployed.version), pinned: pinnedSynapseVersion };
}

/** The image the Synapse unit names. */
export const podmanSynapseImage = (paths: Paths): string => podmanSynapse(paths).image;
