import { readFileSync } from "node:fs";
import type { Paths } from "../config/paths.ts";
import { formatProblems, parseConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { mxhomeExecutable } from "../init/self.ts";
import { createFacts } from "./facts/index.ts";
import { createDoctorIo, type DoctorIo } from "./io.ts";
import type { ConfigLoad, DoctorContext } from "./types.ts";

export interface DoctorOptions {
  paths: Paths;
  offline?: boolean;
  /** Replaces parts of the machine (tests: a tailscale script, a resolver, a CA). */
  io?: Partial<DoctorIo>;
  /** The mxhome the timers run; default: this executable, as `up` uses. */
  mxhomeBinary?: string;
  now?: () => Date;
}

/**
 * Reads mxhome.toml without throwing: doctor reports a bad config, it does
 * not die of it. `bestEffort` (invalid but readable TOML): the valid keys,
 * defaults for the rest.
 */
export function readConfig(file: string): { config: Config | undefined; load: ConfigLoad; bestEffort?: Config } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return { config: undefined, load: { file, state: missing ? "missing" : "unreadable", problems: missing ? [] : [(error as Error).message] } };
  }
  const parsed = parseConfig(text);
  if (parsed.config) return { config: parsed.config, load: { file, state: "ok", problems: [] } };
  const load: ConfigLoad = { file, state: "invalid", problems: formatProblems(file, parsed.problems).split("\n") };
  return { config: undefined, load, ...(parsed.bestEffort ? { bestEffort: parsed.bestEffort } : {}) };
}

export function createDoctorContext(options: DoctorOptions): DoctorContext {
  const { config, load } = readConfig(options.paths.configFile);
  const io = createDoctorIo(options.io);
  const mxhomeBinary = options.mxhomeBinary ?? mxhomeExecutable();
  return {
    paths: options.paths,
    config,
    configLoad: load,
    offline: Boolean(options.offline),
    facts: createFacts({ paths: options.paths, config, io, mxhomeBinary }),
    now: options.now ?? (() => new Date()),
  };
}
