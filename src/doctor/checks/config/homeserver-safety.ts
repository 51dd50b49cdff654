import { join } from "node:path";
import { parse } from "yaml";
import type { FactScope } from "../../facts/index.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

/** homeserver.yaml and the user's overrides, parsed; Synapse reads both, and a top-level key in the second wins. */
export interface SynapseConfigObservation {
  mainFile: string;
  overridesFile: string;
  main: Record<string, unknown> | undefined;
  overrides: Record<string, unknown> | undefined;
  /** A file that exists but is not YAML: Synapse won't start. */
  parseError?: { file: string; message: string };
}

function parseYaml(file: string, text: string | undefined): { value?: Record<string, unknown>; error?: { file: string; message: string } } {
  if (text === undefined) return {};
  try {
    const value = parse(text) as unknown;
    if (value === null || value === undefined) return { value: {} };
    if (typeof value !== "object" || Array.isArray(value)) return { error: { file, message: "the top level is not a mapping" } };
    return { value: value as Record<string, unknown> };
  } catch (error) {
    return { error: { file, message: (error as Error).message.split("\n")[0] ?? "invalid YAML" } };
  }
}

export function gatherSynapseConfig({ paths, io }: FactScope): SynapseConfigObservation {
  const mainFile = join(paths.synapseDir, "homeserver.yaml");
  const main = parseYaml(mainFile, io.readText(mainFile));
  const overrides = parseYaml(paths.synapseOverridesFile, io.readText(paths.synapseOverridesFile));
  return { mainFile, overridesFile: paths.synapseOverridesFile, main: main.value, overrides: overrides.value, parseError: main.error ?? overrides.error };
}

type Finding = { severity: "fail" | "warn"; key: string; problem: string };

const loopback = (address: string) => /^127\./.test(address) || address === "::1" || address === "localhost";

/** Pure: what is unsafe in the settings Synapse actually runs with. */
export function findUnsafeSettings(effective: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const get = (key: string) => effective[key] as Record<string, any> | undefined;
  if (effective.enable_registration === true) findings.push({ severity: "fail", key: "enable_registration", problem: "registration is open: anyone can create an account on your server" });
  // Synapse itself rejects a non-list (config-valid and the failed unit say so); nothing to judge here then.
  const listeners = Array.isArray(effective.listeners) ? (effective.listeners as Record<string, any>[]) : [];
  for (const [index, listener] of listeners.entries()) {
    const addresses: string[] = listener?.bind_addresses ?? (listener?.bind_address ? [listener.bind_address] : ["::", "0.0.0.0"]);
    const open = addresses.filter((address) => !loopback(String(address)));
    if (open.length) findings.push({ severity: "fail", key: "listeners", problem: `listener ${index + 1} (port ${listener?.port}) binds ${open.join(", ")}: Synapse, admin API included, is reachable from the network, not only through Caddy` });
  }
  const database = get("database");
  if (database?.args && "password_file" in database.args) findings.push({ severity: "fail", key: "database", problem: "database.args.password_file is not a libpq option: Synapse fails with `invalid dsn` (mxhome passes the password as PGPASSWORD)" });
  if (database && database.name !== "psycopg2") findings.push({ severity: "fail", key: "database", problem: `database.name is ${JSON.stringify(database.name)}: Synapse would not use mxhome's PostgreSQL` });
  if (get("retention")?.enabled !== true) findings.push({ severity: "warn", key: "retention", problem: "message retention is off: history is kept forever" });
  const media = get("media_retention");
  if (!media?.local_media_lifetime || !media?.remote_media_lifetime) findings.push({ severity: "warn", key: "media_retention", problem: "media retention is not set for both local and remote media: media is kept forever" });
  if (effective.max_upload_size === undefined) findings.push({ severity: "warn", key: "max_upload_size", problem: "no upload limit is set (Synapse's default is 50M)" });
  return findings;
}

export function judgeSynapseConfig(observation: SynapseConfigObservation): Verdict {
  const { main, overrides, overridesFile, mainFile, parseError } = observation;
  if (parseError) return fail(`${parseError.file} is not valid YAML: ${parseError.message}. Synapse will not start.`, `Fix the YAML in ${parseError.file} (\`mxhome up --force\` restores mxhome's own files), then \`mxhome up\`.`);
  if (!main) return fail(`${mainFile} is missing.`, "mxhome up");
  const findings = findUnsafeSettings({ ...main, ...(overrides ?? {}) });
  if (findings.length === 0) return ok("registration closed, listeners on loopback, retention and media retention on, upload limit set");
  const fromOverrides = findings.filter((finding) => overrides && finding.key in overrides).map((finding) => finding.key);
  const fix = fromOverrides.length
    ? `Remove or correct \`${[...new Set(fromOverrides)].join("`, `")}\` in ${overridesFile}, then \`mxhome up\`.`
    : `Restore mxhome's homeserver.yaml: \`mxhome up --force\` (keeps a backup of the edited file).`;
  const detail = findings.map((finding) => finding.problem).join("; ");
  return findings.some((finding) => finding.severity === "fail") ? fail(detail, fix) : warn(detail, fix);
}

export const homeserverSafetyCheck = defineCheck({
  id: "homeserver-safety",
  category: "config",
  title: "Synapse settings are safe",
  gather: gatherSynapseConfig,
  judge: judgeSynapseConfig,
});
