import { parseConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, MxError } from "../ui/errors.ts";

/**
 * Pure: a restore onto another machine (or beside the old server) may need
 * other loopback ports than the archived mxhome.toml names. `--synapse-port`
 * and friends change just those lines of the restored file, keeping every
 * comment and edit of the user's.
 */
export const portSettings = ["synapse_port", "caddy_port", "postgres_port"] as const;
export type PortSetting = (typeof portSettings)[number];
export type PortOverrides = Partial<Record<PortSetting, number>>;

export interface PortChange {
  setting: PortSetting;
  from: number;
  to: number;
}

/** Sets `[table] key = value` in TOML text: the existing line when there is one, else under the table's header. */
export function setTomlValue(text: string, table: string, key: string, value: string): string {
  const lines = text.split("\n");
  let current = "";
  let headerLine = -1;
  for (const [index, raw] of lines.entries()) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(raw);
    if (header) {
      current = header[1]!;
      if (current === table) headerLine = index;
      continue;
    }
    const assignment = new RegExp(`^(\\s*${key}\\s*=\\s*)([^#]*?)(\\s*#.*)?$`).exec(raw);
    if (assignment && current === table) {
      lines[index] = `${assignment[1]}${value}${assignment[3] ?? ""}`;
      return lines.join("\n");
    }
  }
  if (headerLine >= 0) {
    lines.splice(headerLine + 1, 0, `${key} = ${value}`);
    return lines.join("\n");
  }
  return `${text.replace(/\n*$/, "\n")}\n[${table}]\n${key} = ${value}\n`;
}

/** Applies the overrides to the archived mxhome.toml; the result must still be a valid config with those ports. */
export function applyPortOverrides(text: string, overrides: PortOverrides): { text: string; config: Config; changes: PortChange[] } {
  const before = parseConfig(text);
  if (!before.config) {
    throw new MxError("The archived mxhome.toml is not valid.", { code: "backup.config-invalid", hint: before.problems.map((p) => p.message).join("; ") });
  }
  let changed = text;
  const changes: PortChange[] = [];
  for (const setting of portSettings) {
    const to = overrides[setting];
    const from = before.config.network[setting];
    if (to === undefined || to === from) continue;
    changed = setTomlValue(changed, "network", setting, String(to));
    changes.push({ setting, from, to });
  }
  const after = parseConfig(changed);
  if (!after.config || changes.some((change) => after.config.network[change.setting] !== change.to)) {
    throw new MxError("Could not set the ports given on the command line in the archived mxhome.toml.", {
      code: "backup.ports-not-set",
      hint: "Restore without the port flags, then edit [network] in mxhome.toml and run `mxhome up`.",
      exitCode: ExitCode.usage,
    });
  }
  return { text: changed, config: after.config, changes };
}
