import { formatBytes } from "../doctor/format-units.ts";
import { synapseImage } from "../render/images.ts";
import type { Blocker, RuntimeKind } from "../runtime/runtime.ts";
import { describePostgresMajor, type PostgresMajorAction, type PostgresMajorFacts, planPostgresMajor, postgresMajorDiskNeeds } from "./postgres-major.ts";
import type { DeploymentCheck, UpgradeStep } from "./versions.ts";

/**
 * Pure: what `mxhome upgrade` does to move a deployment to this mxhome's
 * pins, one safe step at a time, and what it refuses. The runtimes plug in
 * by the actions they can take: natively the Synapse venv, with podman the
 * Synapse image, and a PostgreSQL major in both (postgres-major.ts).
 */
export type UpgradeAction =
  /** A `pre-upgrade` archive: retention never deletes it; a failed step restores it. */
  | { kind: "pre-upgrade-backup"; includeMedia: boolean }
  /** Native: build the pinned venv beside the active one, switch, wait for /health and the background updates. */
  | { kind: "synapse-venv"; from: string; to: string }
  /** Dump, move the old data directory aside, new cluster, load, verify (postgres-major.ts). */
  | PostgresMajorAction
  /** Podman: pull the pinned image, switch the unit's Image=, restart, wait for /health and the background updates. */
  | { kind: "synapse-image"; from: string; to: string; image: string };

export interface DeploymentUpgradePlan {
  actions: UpgradeAction[];
  /** Steps this mxhome cannot take (yet): nothing is done while one is here. */
  refusals: Blocker[];
  /** What is left alone, and why. */
  notes: string[];
}

const unobservedMajor = (step: UpgradeStep): Blocker => ({
  code: "upgrade.postgres-major-unobserved",
  message: `PostgreSQL ${step.from} → ${step.to} is a major upgrade, and the data directory could not be looked at.`,
  fix: "Run `mxhome doctor`, then `mxhome upgrade` again.",
});

function synapseAction(runtime: RuntimeKind, from: string, to: string): UpgradeAction {
  return runtime === "podman" ? { kind: "synapse-image", from, to, image: synapseImage(to) } : { kind: "synapse-venv", from, to };
}

/** `postgres` is what the machine says about a PostgreSQL major step (absent: no such step is possible). */
export function planDeploymentUpgrade(check: DeploymentCheck, options: { includeMedia: boolean; postgres?: PostgresMajorFacts }): DeploymentUpgradePlan {
  const plan: DeploymentUpgradePlan = { actions: [], refusals: [], notes: [] };
  // The PostgreSQL major goes first: a new Synapse then migrates the schema on the new cluster.
  const major = check.steps.find((step) => step.component === "postgres" && step.kind === "major");
  if (major) {
    const planned = options.postgres ? planPostgresMajor(major, options.postgres) : { refusal: unobservedMajor(major) };
    if ("refusal" in planned) plan.refusals.push(planned.refusal);
    else plan.actions.push(planned.action);
  }
  for (const step of check.steps) {
    if (step === major) continue;
    if (step.component === "synapse" && step.kind === "forward") plan.actions.push(synapseAction(check.runtime as RuntimeKind, step.from!, step.to!));
    else if (step.kind === "forward") plan.notes.push(`${step.component} ${step.from} → ${step.to}: \`mxhome up\` takes it (no data format changes).`);
    else if (step.kind === "downgrade") plan.notes.push(`${step.component} ${step.from} is newer than this mxhome's ${step.to}: left alone.`);
    else if (step.kind === "unmanaged" && step.component === "synapse") plan.notes.push("Synapse is your own (runtime.native.python, or a python found on PATH before mxhome managed it): left alone.");
  }
  if (plan.actions.length) plan.actions.unshift({ kind: "pre-upgrade-backup", includeMedia: options.includeMedia });
  return plan;
}

export function describeUpgradeAction(action: UpgradeAction): string {
  switch (action.kind) {
    case "pre-upgrade-backup":
      return `back up the server (database, keys, secrets${action.includeMedia ? ", media" : ""}) into a pre-upgrade archive`;
    case "synapse-venv":
      return `build Synapse ${action.to}'s venv beside ${action.from}'s, switch to it, wait for /health and Synapse's background updates (on failure: back to ${action.from} and the pre-upgrade archive)`;
    case "postgres-major":
      return describePostgresMajor(action);
    case "synapse-image":
      return `pull ${action.image} (unless podman has it), switch Synapse's unit from ${action.from}'s image to it and restart, wait for /health and Synapse's background updates (on failure: back to ${action.from}'s image and the pre-upgrade archive)`;
  }
}

/** Bytes a step writes into a directory, measured from what is there now. */
export interface DiskNeed {
  what: string;
  dir: string;
  bytes: number;
}

export interface Filesystem {
  /** Its device number: needs on the same file system add up. */
  device: number;
  freeBytes: number;
}

/**
 * Sizes measured on the machine. The new Synapse is taken to be as big as
 * the one it replaces: natively the active venv; with podman the old image
 * in podman's store (0 when the new image is there already).
 */
export interface MeasuredSizes {
  backupDir: string;
  archiveBytes: number;
  venvsDir: string;
  venvBytes: number;
  /** Podman: its image store (graphroot) and the bytes the new image will take there. */
  image?: { store: string; bytes: number };
  /** A PostgreSQL major: Synapse's database (the dump) and the whole cluster (the new one). */
  databaseBytes?: number;
  clusterBytes?: number;
}

/** Pure: what the actions write, from measured sizes. The archive holds the dump (at most the database's size) and the files. */
export function diskNeeds(actions: UpgradeAction[], measured: MeasuredSizes): DiskNeed[] {
  return actions.flatMap((action): DiskNeed[] => {
    switch (action.kind) {
      case "pre-upgrade-backup":
        return [{ what: "the pre-upgrade archive", dir: measured.backupDir, bytes: measured.archiveBytes }];
      case "synapse-venv":
        return [{ what: `Synapse ${action.to}'s venv`, dir: measured.venvsDir, bytes: measured.venvBytes }];
      case "postgres-major":
        return postgresMajorDiskNeeds(action, { databaseBytes: measured.databaseBytes ?? 0, clusterBytes: measured.clusterBytes ?? 0 });
      case "synapse-image":
        return measured.image ? [{ what: `Synapse ${action.to}'s image`, dir: measured.image.store, bytes: measured.image.bytes }] : [];
    }
  });
}

/** A margin on top: the file system must not end up full (PostgreSQL and Synapse keep writing). */
export const diskMargin = (bytes: number) => Math.max(256 * 1024 ** 2, Math.ceil(bytes * 0.1));

/** Pure: a refusal per file system that cannot hold what will be written there, plus the margin. */
export function diskShortfalls(needs: DiskNeed[], filesystemOf: (dir: string) => Filesystem): Blocker[] {
  const byDevice = new Map<number, { free: number; needs: DiskNeed[] }>();
  for (const need of needs) {
    const filesystem = filesystemOf(need.dir);
    const entry = byDevice.get(filesystem.device) ?? { free: filesystem.freeBytes, needs: [] };
    entry.needs.push(need);
    byDevice.set(filesystem.device, entry);
  }
  return [...byDevice.values()].flatMap(({ free, needs: here }) => {
    const bytes = here.reduce((total, need) => total + need.bytes, 0);
    const required = bytes + diskMargin(bytes);
    if (free >= required) return [];
    const list = here.map((need) => `${need.what} in ${need.dir} (${formatBytes(need.bytes)})`).join(", ");
    return [
      {
        code: "upgrade.disk-space",
        message: `Not enough free disk: ${list} need ${formatBytes(required)} with the margin, and that file system has ${formatBytes(free)} free.`,
        fix: `Free ${formatBytes(required - free)} there (old archives in the backup directory, \`mxhome purge\`), then run \`mxhome upgrade\` again. Nothing was changed.`,
      },
    ];
  });
}
