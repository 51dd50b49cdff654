import { availableParallelism } from "node:os";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { podmanSynapseImage } from "../runtime/podman/synapse-image.ts";
import { renderCaddyfile } from "./caddy.ts";
import { renderQuadletUnits } from "./quadlet.ts";
import { containerSynapsePaths, hostSynapsePaths, renderSynapseFiles } from "./synapse.ts";
import { renderTimers } from "./systemd.ts";
import type { RenderedFile, RenderInputs } from "./types.ts";
import { renderWellKnownExport } from "./well-known.ts";

/** The inputs for a config on this machine: Synapse's paths follow the runtime, "auto" workers its CPUs. */
export function renderInputsFor(config: Config, paths: Paths, mxhomeBinary: string, cpuCount = availableParallelism()): RenderInputs {
  if (config.runtime.kind !== "podman") return { config, paths, synapsePaths: hostSynapsePaths(paths), mxhomeBinary, cpuCount };
  // The recorded Synapse, not the pin: `up` never moves Synapse forward by itself (`mxhome upgrade` does, with a backup).
  return { config, paths, synapsePaths: containerSynapsePaths(), mxhomeBinary, cpuCount, synapseImage: podmanSynapseImage(paths) };
}

/** Pure: every file of the deployment. Quadlet units only exist for the podman runtime. */
export function renderDeployment(inputs: RenderInputs): RenderedFile[] {
  return [
    ...renderSynapseFiles(inputs),
    renderCaddyfile(inputs),
    ...(inputs.config.runtime.kind === "podman" ? renderQuadletUnits(inputs) : []),
    ...renderTimers(inputs),
    ...renderWellKnownExport(inputs),
  ];
}
