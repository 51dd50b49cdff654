import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { createNativeRuntime } from "./native/runtime.ts";
import { createPodmanRuntime } from "./podman/runtime.ts";
import type { Runtime } from "./runtime.ts";

/** `[runtime] kind` in mxhome.toml picks the implementation. */
export function runtimeFor(paths: Paths, config: Config): Runtime {
  return config.runtime.kind === "native" ? createNativeRuntime(paths, config) : createPodmanRuntime(paths, config);
}
