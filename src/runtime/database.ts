import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import type { SynapseDatabase } from "./database-tool.ts";
import { nativeSynapseDatabase } from "./native/database.ts";
import { podmanSynapseDatabase } from "./podman/database.ts";

/** Synapse's database through the runtime that runs PostgreSQL (the interface: database-tool.ts). */
export function synapseDatabase(paths: Paths, config: Config): SynapseDatabase {
  return config.runtime.kind === "native" ? nativeSynapseDatabase(paths, config) : podmanSynapseDatabase(config);
}

