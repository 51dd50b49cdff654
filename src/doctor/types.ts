import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import type { Status } from "../ui/style.ts";
import type { DoctorFacts, Gatherer } from "./facts/index.ts";

/**
 * The doctor's contract. A check is a small object in
 * src/doctor/checks/<category>/<id>.ts: it reads shared facts (gathered once,
 * lazily, by adapters) and hands them to a pure judge that returns a verdict.
 * Adding a check is one file plus one line in src/doctor/checks/index.ts.
 */
export type { Status };

export const categories = ["host", "config", "services", "exposure", "jobs"] as const;
export type Category = (typeof categories)[number];

export const categoryTitles: Record<Category, string> = {
  host: "Host",
  config: "Configuration",
  services: "Services",
  exposure: "Exposure",
  jobs: "Jobs",
};

/** What a judge decides. Every warn and fail names the command (or edit) that fixes it. */
export type Verdict =
  | { status: "warn" | "fail"; detail: string; fix: string; details?: string[] }
  | { status: "ok" | "info" | "skip"; detail: string; fix?: string; details?: string[] };

export type RuntimeKind = Config["runtime"]["kind"];

/** How reading mxhome.toml went; `problems` are `file:line: message` lines. */
export interface ConfigLoad {
  file: string;
  state: "ok" | "missing" | "unreadable" | "invalid";
  problems: string[];
}

/** Everything a check may read. `config` is undefined when mxhome.toml is missing or invalid. */
export interface DoctorContext {
  paths: Paths;
  config: Config | undefined;
  configLoad: ConfigLoad;
  /** Skip checks that need the public internet (DNS, the Funnel URL). */
  offline: boolean;
  facts: DoctorFacts;
  now: () => Date;
}

/** A context whose config loaded: what checks with `needsConfig` (the default) receive. */
export type ConfiguredContext = DoctorContext & { config: Config };

export interface Check {
  /** kebab-case, unique across the registry; `--only <id>` selects it. */
  id: string;
  category: Category;
  /** What is checked, in a few words ("Synapse answers /health"). */
  title: string;
  /** Runtimes the check applies to (default: all); elsewhere it is `skip`. */
  runtimes?: RuntimeKind[];
  /** Needs the public internet: `skip` with --offline. */
  public?: boolean;
  /** Set false for checks that run without a valid mxhome.toml. */
  needsConfig?: boolean;
  /** Checks that must pass first: when one of them fails or is skipped, this one is skipped. */
  after?: string[];
  /** Default 5 s (public checks 10 s); a check that runs longer fails. */
  timeoutMs?: number;
  run(context: ConfiguredContext): Verdict | Promise<Verdict>;
}

export type CheckResult = Verdict & {
  id: string;
  category: Category;
  title: string;
  durationMs: number;
};

export type Summary = Record<Status, number>;

/** What `mxhome doctor --json` prints (with schemaVersion and command added by printJson). */
export interface DoctorReport {
  checks: CheckResult[];
  summary: Summary;
}

export const ok = (detail: string, details?: string[]): Verdict => ({ status: "ok", detail, ...(details ? { details } : {}) });
export const info = (detail: string, fix?: string, details?: string[]): Verdict => ({
  status: "info",
  detail,
  ...(fix ? { fix } : {}),
  ...(details ? { details } : {}),
});
export const warn = (detail: string, fix: string, details?: string[]): Verdict => ({ status: "warn", detail, fix, ...(details ? { details } : {}) });
export const fail = (detail: string, fix: string, details?: string[]): Verdict => ({ status: "fail", detail, fix, ...(details ? { details } : {}) });
export const skip = (detail: string): Verdict => ({ status: "skip", detail });

/**
 * The usual check: one shared fact, one pure judge.
 *
 *   export const diskCheck = defineCheck({ id: "disk", category: "host", title: "Disk space", gather: gatherDisk, judge: judgeDisk });
 */
export function defineCheck<T>(definition: Omit<Check, "run"> & { gather: Gatherer<T>; judge: (fact: T, context: ConfiguredContext) => Verdict }): Check {
  const { gather, judge, ...check } = definition;
  return { ...check, run: async (context) => judge(await context.facts.get(gather), context) };
}
