import { type Field, isField, type SpecTable } from "./fields.ts";
import { type Config, configSpecTree } from "./schema.ts";

function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return String(value);
}

function renderTable(spec: SpecTable, values: Record<string, unknown>, path: string[], out: string[]): void {
  const fields = Object.entries(spec).filter(([, node]) => isField(node)) as [string, Field<unknown>][];
  if (fields.length) {
    if (path.length) out.push("", `[${path.join(".")}]`);
    for (const [key, node] of fields) {
      out.push(`# ${node.doc}`, `${key} = ${formatValue(values[key])}`);
    }
  }
  for (const [key, node] of Object.entries(spec)) {
    if (!isField(node)) renderTable(node, values[key] as Record<string, unknown>, [...path, key], out);
  }
}

/** Pure: a Config as commented TOML, every key present so users see what they can set. */
export function renderConfigToml(config: Config): string {
  const out = [
    "# mxhome.toml: the single source of truth for your homeserver.",
    "# Edit it, then run `mxhome up` to apply. `mxhome doctor` checks it.",
  ];
  renderTable(configSpecTree, config as unknown as Record<string, unknown>, [], out);
  return `${out.join("\n")}\n`;
}

/** A Config with every default filled in, for the given required values. */
export function defaultConfig(server: Pick<Config["server"], "server_name"> & Partial<Config["server"]>): Config {
  const fill = (spec: SpecTable): Record<string, unknown> =>
    Object.fromEntries(Object.entries(spec).map(([key, node]) => [key, isField(node) ? structuredClone(node.default) : fill(node)]));
  const config = fill(configSpecTree) as unknown as Config;
  config.server = { ...config.server, ...server };
  return config;
}
