import { basename, dirname } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { type PlannedWrite, sha256 } from "../io/managed-files.ts";
import type { RenderedFile, ServiceName } from "../render/types.ts";
import { type DesiredState, serviceOrder } from "./runtime.ts";

/**
 * Pure: a fingerprint per service over every input it reads. A service
 * started with other inputs is restarted; one whose inputs did not change is
 * left alone, even when some other rendered file changed.
 */
export function fingerprintServices(files: RenderedFile[], extraInputs: Partial<Record<ServiceName, string[]>> = {}): Record<ServiceName, string> {
  const entries = serviceOrder.map((service) => {
    const inputs = files
      .filter((file) => file.affects.includes(service))
      .map((file) => `${file.path}\n${file.content}`)
      .concat(extraInputs[service] ?? [])
      .sort();
    return [service, sha256(inputs.join("\0"))] as const;
  });
  return Object.fromEntries(entries) as Record<ServiceName, string>;
}

/**
 * Pure: a fingerprint per [scale] process (Redis, each worker), in start
 * order. A worker reads everything the main Synapse reads plus its own files
 * (its config, under podman its unit), so it restarts whenever the main
 * process does, and when one of its files changes.
 */
export function fingerprintScaleProcesses(files: RenderedFile[], synapseFingerprint: string): { name: string; fingerprint: string }[] {
  const inputs = new Map<string, string[]>();
  for (const file of files) if (file.process !== undefined) inputs.set(file.process, [...(inputs.get(file.process) ?? []), `${file.path}\n${file.content}`]);
  return [...inputs]
    .sort(([a], [b]) => Number(b === "redis") - Number(a === "redis"))
    .map(([name, contents]) => ({ name, fingerprint: sha256([name === "redis" ? "" : synapseFingerprint, ...contents.sort()].join("\0")) }));
}

export interface DesiredInputs {
  config: Config;
  paths: Paths;
  files: RenderedFile[];
  writes: PlannedWrite[];
  /** Inputs outside the rendered files: the user's Synapse overrides, natively the postgres settings. */
  extraInputs: Partial<Record<ServiceName, string[]>>;
}

/** Pure: the desired state of the machine for this rendered deployment. */
export function desiredState(inputs: DesiredInputs): DesiredState {
  const { paths, files, config } = inputs;
  const writes = inputs.writes.filter((write) => write.action !== "unchanged");
  const unitDirs = [paths.quadletDir, paths.systemdUserDir];
  const fingerprints = fingerprintServices(files, inputs.extraInputs);
  return {
    writes,
    fingerprints,
    scale: fingerprintScaleProcesses(files, fingerprints.synapse),
    timers: files.map((file) => basename(file.path)).filter((name) => name.endsWith(".timer")),
    unitFilesChanged: writes.some((write) => unitDirs.includes(dirname(write.file.path))),
    funnelTarget: `http://127.0.0.1:${config.network.caddy_port}`,
  };
}
