/**
 * Render inputs for the fixture topologies, shared by the render unit and
 * integration tests: the fixture TOML through the real parser, Paths from a
 * fixed fake HOME, and the Synapse path view the runtime implies
 * (src/render/index.ts's renderInputsFor, as the commands build them).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/load.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import type { Config } from "../../../src/config/schema.ts";
import { renderInputsFor } from "../../../src/render/index.ts";
import type { RenderInputs } from "../../../src/render/types.ts";
import { repoRoot } from "../../support/components.ts";

export const topologies = ["funnel-host", "custom-domain", "native", "native-workers", "podman-workers"] as const;
export type Topology = (typeof topologies)[number];

export const fakeHome = "/home/alice";
export const fakeBinary = "/home/alice/.local/bin/mxhome";

export function fixtureConfig(topology: Topology): Config {
  const text = readFileSync(join(repoRoot, "test", "fixtures", "configs", `${topology}.toml`), "utf8");
  const result = parseConfig(text);
  if (result.config === undefined) throw new Error(`${topology}.toml: ${JSON.stringify(result.problems)}`);
  return result.config;
}

/** Inputs for a fixture; the options let a test move HOME or the binary, set the upstream, or tweak the config. */
export function fixtureInputs(
  topology: Topology,
  options: { home?: string; mxhomeBinary?: string; upstream?: string; config?: (config: Config) => void } = {},
): RenderInputs {
  const config = fixtureConfig(topology);
  options.config?.(config);
  const inputs = renderInputsFor(config, resolvePaths({ HOME: options.home ?? fakeHome }), options.mxhomeBinary ?? fakeBinary);
  return { ...inputs, upstream: options.upstream };
}
