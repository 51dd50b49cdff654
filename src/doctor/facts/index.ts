import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import type { DoctorIo } from "../io.ts";

/**
 * Shared facts, gathered at most once per run and only when a check asks.
 * A gatherer is a plain function of the scope; the function itself is the
 * key, so every check that asks for `gatherSynapse` shares one probe.
 */
export interface FactScope {
  paths: Paths;
  /** Only gatherers used by checks that need a valid config read this. */
  readonly config: Config;
  io: DoctorIo;
  /** The mxhome the timers run, as `up` renders them (rendered-file comparisons need it). */
  mxhomeBinary: string;
  /** For gatherers built on other facts. */
  facts: DoctorFacts;
}

export type Gatherer<T> = (scope: FactScope) => T | Promise<T>;

export interface DoctorFacts {
  get<T>(gatherer: Gatherer<T>): Promise<T>;
}

export function createFacts(scope: Omit<FactScope, "config" | "facts"> & { config: Config | undefined }): DoctorFacts {
  const { config } = scope;
  const cache = new Map<Gatherer<unknown>, Promise<unknown>>();
  const facts: DoctorFacts = {
    get<T>(gatherer: Gatherer<T>): Promise<T> {
      let fact = cache.get(gatherer) as Promise<T> | undefined;
      if (!fact) {
        fact = Promise.resolve().then(() => gatherer(bound));
        cache.set(gatherer, fact);
      }
      return fact;
    },
  };
  const bound: FactScope = {
    ...scope,
    facts,
    get config(): Config {
      if (!config) throw new Error("this fact needs a valid mxhome.toml");
      return config;
    },
  };
  return facts;
}
