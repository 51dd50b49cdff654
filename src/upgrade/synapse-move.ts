import { rmSync } from "node:fs";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { exec } from "../io/exec.ts";
import { refuseHandEdits } from "../io/managed-files.ts";
import { synapseImage } from "../render/images.ts";
import { executePlan } from "../runtime/execute.ts";
import { synapseLock } from "../runtime/native/synapse-lock.ts";
import { readSynapseRecord, writeSynapseRecord } from "../runtime/native/synapse-source.ts";
import { installManagedSynapse, managedVenvDir } from "../runtime/native/synapse-venv.ts";
import { runtimeFor } from "../runtime/select.ts";
import { blockersError, desiredFor } from "../runtime/up.ts";
import { log } from "../ui/logger.ts";
import type { UpgradeAction } from "./plan.ts";

/**
 * How each runtime moves Synapse to a new version, and back. What comes
 * around it — the refusals, the pre-upgrade archive, the wait for the
 * background updates, the restore after a failure — is the same for both
 * (deployment.ts). Both record the version in the state dir (synapse.json):
 * natively the venv `up` starts, with podman the image `up` renders.
 */
export type SynapseAction = Extract<UpgradeAction, { kind: "synapse-venv" | "synapse-image" }>;

export interface SynapseMove {
  /** Before the pre-upgrade archive, changing nothing the server runs: natively the venv beside the old one; with podman the image. */
  prepare(): Promise<void>;
  /** Points the deployment at the new version and restarts Synapse; resolves once it answers /health, throws when it does not come up. */
  switchTo(): Promise<void>;
  /** After a failed switch: Synapse stopped, the deployment pointed back at the old version (the restore then starts it). */
  switchBack(): Promise<void>;
  /** After the switch: what is kept of the old version. */
  keptNote: string;
  /** After a way back: what became of the new version. */
  discarded: string;
}

export interface SynapseMoveOptions {
  mxhomeBinary: string;
  /** Native: builds the venv and returns its python (tests pass one that breaks it, to prove the way back). */
  installSynapse?: (paths: Paths, version: string, lock: string) => Promise<string>;
}

const record = (paths: Paths, version: string) => writeSynapseRecord(paths, { kind: "managed", version });

function venvMove(paths: Paths, config: Config, action: SynapseAction, options: SynapseMoveOptions): SynapseMove {
  const runtime = runtimeFor(paths, config);
  const desired = desiredFor(paths, config, runtime, options.mxhomeBinary);
  return {
    async prepare() {
      log.start(`Building Synapse ${action.to}'s venv beside ${action.from}'s…`);
      await (options.installSynapse ?? installManagedSynapse)(paths, action.to, synapseLock);
    },
    async switchTo() {
      record(paths, action.to);
      log.start(`Restarting Synapse on ${action.to} (its database migrations run now)…`);
      await runtime.apply({ kind: "restart", service: "synapse", reason: `upgrade to ${action.to}` }, desired);
    },
    async switchBack() {
      await runtime.apply({ kind: "stop", service: "synapse" }, desired).catch(() => undefined);
      record(paths, action.from);
      rmSync(managedVenvDir(paths, action.to), { recursive: true, force: true });
    },
    keptNote: `Synapse ${action.from}'s venv is kept at ${managedVenvDir(paths, action.from)}.`,
    discarded: `removed ${action.to}'s venv`,
  };
}

const imagePresent = async (image: string) => (await exec(["podman", "image", "exists", image]).catch(() => undefined))?.exitCode === 0;

function imageMove(paths: Paths, config: Config, action: SynapseAction, options: SynapseMoveOptions): SynapseMove {
  const runtime = runtimeFor(paths, config);
  const desired = () => desiredFor(paths, config, runtime, options.mxhomeBinary);
  const image = synapseImage(action.to);
  return {
    async prepare() {
      // What stops the switch stops it here, before anything changed: hand-edited files, a missing prerequisite.
      refuseHandEdits(desired().writes, false);
      const now = await runtime.planUp(desired());
      if (now.blockers.length) throw blockersError("upgrade", now);
      if (!(await imagePresent(image))) {
        log.start(`Pulling ${image}…`);
        await runtime.apply({ kind: "pull-image", image }, desired());
      }
      // The pre-upgrade archive must name the old image: a deployment from before the record gets one now.
      if (!readSynapseRecord(paths)) record(paths, action.from);
    },
    async switchTo() {
      record(paths, action.to);
      // Now rendered with the new Image=: `up`'s own plan writes the unit, reloads systemd and restarts Synapse (waiting for /health).
      const next = desired();
      const plan = await runtime.planUp(next);
      if (plan.blockers.length) throw blockersError("upgrade", plan);
      log.start(`Restarting Synapse on ${image} (its database migrations run now)…`);
      await executePlan(plan.actions, { paths, runtime, desired: next, force: false });
    },
    async switchBack() {
      await runtime.apply({ kind: "stop", service: "synapse" }, desired()).catch(() => undefined);
      record(paths, action.from);
    },
    keptNote: `Synapse ${action.from}'s image ${synapseImage(action.from)} stays in podman's storage (\`podman rmi ${synapseImage(action.from)}\` frees it once you no longer want a way back).`,
    discarded: `left ${image} in podman's storage (\`podman rmi ${image}\` frees it)`,
  };
}

/** The move for the action's runtime. */
export function synapseMove(paths: Paths, config: Config, action: SynapseAction, options: SynapseMoveOptions): SynapseMove {
  return action.kind === "synapse-image" ? imageMove(paths, config, action, options) : venvMove(paths, config, action, options);
}

/** Podman: its image store, and what the new image will take there (as much as the old one; nothing when it is there already). */
export async function measureSynapseImage(action: SynapseAction): Promise<{ store: string; bytes: number }> {
  const [info, present, size] = await Promise.all([
    exec(["podman", "info", "--format", "{{.Store.GraphRoot}}"]),
    imagePresent(synapseImage(action.to)),
    exec(["podman", "image", "inspect", "--format", "{{.Size}}", synapseImage(action.from)]),
  ]);
  const store = info.exitCode === 0 ? info.stdout.trim() : "";
  if (!store) throw new Error(`\`podman info\` did not name its image store: ${info.stderr.trim()}`);
  return { store, bytes: present ? 0 : Number(size.stdout.trim()) || 0 };
}
