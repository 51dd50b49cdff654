import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { readTextIfExists, writeFileAtomic } from "../../io/fs.ts";
import { pinnedSynapseVersion } from "./synapse-lock.ts";
import { probeManagedSynapse, probeReady, probeSynapse, type SynapseProbe } from "./synapse-probe.ts";
import { managedPython } from "./synapse-venv.ts";

/**
 * Which Synapse the native runtime runs, recorded in the state dir:
 * - managed: mxhome's venv of that version (a later upgrade builds the next one beside it and switches);
 * - path: a python3 on PATH that already ran this deployment before mxhome managed Synapse; kept, never moved silently.
 * `runtime.native.python` in mxhome.toml overrides both.
 */
export type RecordedSynapse = { kind: "managed"; version: string } | { kind: "path"; python: string };

export const synapseRecordFile = (paths: Paths) => join(paths.stateDir, "synapse.json");

export function readSynapseRecord(paths: Paths): RecordedSynapse | undefined {
  try {
    const record = JSON.parse(readTextIfExists(synapseRecordFile(paths)) ?? "null") as { source?: RecordedSynapse } | null;
    const source = record?.source;
    if (source?.kind === "managed" && typeof source.version === "string") return source;
    if (source?.kind === "path" && typeof source.python === "string") return source;
  } catch {
    // An unreadable record is treated like none: the next `up` writes it again.
  }
  return undefined;
}

export function writeSynapseRecord(paths: Paths, source: RecordedSynapse): void {
  writeFileAtomic(synapseRecordFile(paths), `${JSON.stringify({ version: 1, source }, null, 2)}\n`, 0o600);
}

export type SynapseOrigin = "override" | "managed" | "path";

/** The Synapse this deployment runs (or will), probed. */
export interface SynapseProgram {
  origin: SynapseOrigin;
  python: string;
  /** Managed: the version of its venv. */
  version?: string;
  /** The version mxhome's lock pins. */
  pinned: string;
  probe: SynapseProbe;
  /** No record yet: `up` records this choice (a managed install records itself). */
  unrecorded: boolean;
}

/** The first python3 on PATH with Synapse (and, preferably, its driver): how deployments ran before mxhome managed Synapse. */
async function synapseOnPath(path: string): Promise<SynapseProbe | undefined> {
  let withoutDriver: SynapseProbe | undefined;
  for (const dir of path.split(":").filter(Boolean)) {
    const candidate = join(dir, "python3");
    if (!existsSync(candidate)) continue;
    const probe = await probeSynapse(candidate);
    if (probeReady(probe)) return probe;
    if (probe.synapse) withoutDriver ??= probe;
  }
  return withoutDriver;
}

/**
 * Resolves and probes the Synapse to run. `deployed` says whether this
 * deployment already exists (its database cluster does): only then may a
 * python on PATH be kept, since a new one always gets the managed Synapse.
 */
export async function observeSynapse(paths: Paths, config: Config, deployed: boolean, options: { path?: string; fresh?: boolean } = {}): Promise<SynapseProgram> {
  const { path = process.env.PATH ?? "", fresh = false } = options;
  const pinned = pinnedSynapseVersion;
  const override = config.runtime.native.python;
  if (override) return { origin: "override", python: override, pinned, probe: await probeSynapse(override), unrecorded: false };
  const record = readSynapseRecord(paths);
  if (record?.kind === "path") return { origin: "path", python: record.python, pinned, probe: await probeSynapse(record.python), unrecorded: false };
  if (!record && deployed) {
    const found = await synapseOnPath(path);
    if (found) return { origin: "path", python: found.python, pinned, probe: found, unrecorded: true };
  }
  const version = record?.version ?? pinned;
  const python = managedPython(paths, version);
  const probe = fresh ? await probeSynapse(python) : await probeManagedSynapse(python);
  return { origin: "managed", python, version, pinned, probe, unrecorded: !record };
}

/** The python to start Synapse with, after `up` checked it: no probing here. */
export function synapsePython(paths: Paths, config: Config): string {
  const override = config.runtime.native.python;
  if (override) return override;
  const record = readSynapseRecord(paths);
  return record?.kind === "path" ? record.python : managedPython(paths, record?.version ?? pinnedSynapseVersion);
}
