import type { ArgsDef } from "citty";
import { existsSync } from "node:fs";
import { loadConfig } from "../config/load.ts";
import { type Paths, resolvePaths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { setVerbose } from "../ui/logger.ts";

/** Flags every command accepts; spread into each command's args so --help lists them. */
export const globalArgs = {
  config: { type: "string", description: "Path to mxhome.toml (default: $MXHOME_CONFIG or $XDG_CONFIG_HOME/mxhome/mxhome.toml)", valueHint: "file" },
  verbose: { type: "boolean", description: "Show debug output and full errors" },
  yes: { type: "boolean", description: "Assume yes to questions (required when not interactive)" },
  "allow-root": { type: "boolean", description: "Run as root anyway (mxhome is designed to run rootless)" },
} as const satisfies ArgsDef;

export const jsonArg = {
  json: { type: "boolean", description: "Print one JSON document on stdout instead of text" },
} as const satisfies ArgsDef;

export const dryRunArg = {
  "dry-run": { type: "boolean", description: "Show what would change, change nothing" },
} as const satisfies ArgsDef;

export interface CommandEnvironment {
  paths: Paths;
  yes: boolean;
  configExists(): boolean;
  /** Loads and validates mxhome.toml; exit 2 naming the line on any problem. */
  config(): Config;
}

export function commandEnvironment(args: { config?: string; verbose?: boolean; yes?: boolean }): CommandEnvironment {
  setVerbose(Boolean(args.verbose));
  const paths = resolvePaths(process.env, args.config);
  let config: Config | undefined;
  return {
    paths,
    yes: Boolean(args.yes),
    configExists: () => existsSync(paths.configFile),
    config: () => (config ??= loadConfig(paths.configFile)),
  };
}
