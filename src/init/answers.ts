import { crossCheckConfig } from "../config/cross-checks.ts";
import type { Field, SpecTable } from "../config/fields.ts";
import { defaultConfig } from "../config/render-toml.ts";
import { type Config, configSpecTree } from "../config/schema.ts";

/** `mxhome init` flags and the mxhome.toml key each one sets. */
export const initFlagKeys = {
  "server-name": ["server", "server_name"],
  "public-host": ["server", "public_host"],
  "admin-user": ["server", "admin_user"],
  "max-upload": ["server", "max_upload"],
  "retention-days": ["retention", "days"],
  "kick-after-days": ["kick", "after_days"],
  runtime: ["runtime", "kind"],
  "outbound-proxy": ["network", "outbound_proxy"],
  "synapse-port": ["network", "synapse_port"],
  "caddy-port": ["network", "caddy_port"],
  "postgres-port": ["network", "postgres_port"],
  "memory-high": ["resources", "memory_high"],
  workers: ["scale", "workers"],
  "workers-first-port": ["scale", "first_port"],
} as const satisfies Record<string, readonly [string, string]>;

export type InitFlag = keyof typeof initFlagKeys;
export type InitAnswers = Partial<Record<InitFlag, string>>;

function fieldAt(path: readonly string[]): Field<unknown> {
  return path.reduce<unknown>((node, key) => (node as SpecTable)[key], configSpecTree) as Field<unknown>;
}

function flagFor(path: readonly [string, string]): InitFlag {
  const entry = Object.entries(initFlagKeys).find(([, keyPath]) => keyPath[0] === path[0] && keyPath[1] === path[1]);
  return entry![0] as InitFlag;
}

export interface AnswerProblem {
  flag: InitFlag;
  message: string;
}

/**
 * Pure: the config that results from applying flag answers to a base config
 * (the existing mxhome.toml, or defaults). Each flag is validated by the same
 * schema field that validates mxhome.toml, so both say the same thing.
 */
export function applyAnswers(base: Config | undefined, answers: InitAnswers): { config: Config; problems: AnswerProblem[]; changed: string[] } {
  const config = structuredClone(base ?? defaultConfig({ server_name: answers["server-name"] ?? "" }));
  const problems: AnswerProblem[] = [];
  const changed: string[] = [];
  for (const [flag, raw] of Object.entries(answers) as [InitFlag, string | undefined][]) {
    if (raw === undefined) continue;
    const [section, key] = initFlagKeys[flag];
    const field = fieldAt([section, key]);
    const candidate = typeof field.default === "number" && raw.trim() !== "" ? Number(raw) : raw;
    const parsed = field.parse(candidate);
    if (!parsed.ok) {
      problems.push({ flag, message: `--${flag} ${JSON.stringify(raw)} is invalid${parsed.reason ? `: ${parsed.reason}` : ""}; allowed: ${field.allowed}` });
      continue;
    }
    const table = config[section as keyof Config] as Record<string, unknown>;
    if (base && table[key] !== parsed.value) changed.push(`${section}.${key}: ${JSON.stringify(table[key])} → ${JSON.stringify(parsed.value)}`);
    table[key] = parsed.value;
  }
  if (!problems.length) {
    for (const problem of crossCheckConfig(config)) problems.push({ flag: flagFor(problem.path), message: `${problem.message} (--${flagFor(problem.path)})` });
  }
  if (!config.server.server_name && !problems.some((p) => p.flag === "server-name")) {
    problems.push({ flag: "server-name", message: "--server-name is required (tailscale was not found to suggest the Funnel host): pass --server-name <machine>.<tailnet>.ts.net, this PC's name in your tailnet, or set Tailscale up first" });
  }
  return { config, problems, changed };
}
