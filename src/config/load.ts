import TOML from "@iarna/toml";
import { readFileSync } from "node:fs";
import { ExitCode, MxError } from "../ui/errors.ts";
import { closestName } from "../ui/suggest.ts";
import { isField, type SpecTable } from "./fields.ts";
import { crossCheckConfig } from "./cross-checks.ts";
import { locateKey } from "./locate.ts";
import { type Config, configSpecTree } from "./schema.ts";

export interface ConfigProblem {
  path: string[];
  line: number | undefined;
  message: string;
}

function describe(value: unknown): string {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? "a table" : JSON.stringify(value);
}

/** Walks the spec and the parsed TOML side by side, collecting every problem at once. */
function validateNode(
  spec: SpecTable,
  value: Record<string, unknown>,
  path: string[],
  text: string,
  problems: ConfigProblem[],
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const where = path.length ? `[${path.join(".")}]` : "the top level";
  for (const key of Object.keys(value)) {
    if (key in spec) continue;
    const suggestion = closestName(key, Object.keys(spec));
    problems.push({
      path: [...path, key],
      line: locateKey(text, [...path, key]),
      message:
        `unknown key "${key}" in ${where}` +
        (suggestion ? `; did you mean "${suggestion}"?` : `; allowed: ${Object.keys(spec).join(", ")}`),
    });
  }
  for (const [key, node] of Object.entries(spec)) {
    const keyPath = [...path, key];
    const raw = value[key];
    if (!isField(node)) {
      if (raw !== undefined && (typeof raw !== "object" || raw === null || Array.isArray(raw))) {
        problems.push({ path: keyPath, line: locateKey(text, keyPath), message: `"${keyPath.join(".")}" must be a table [${keyPath.join(".")}]` });
        continue;
      }
      result[key] = validateNode(node, (raw as Record<string, unknown>) ?? {}, keyPath, text, problems);
      continue;
    }
    if (raw === undefined) {
      if (node.default === undefined) {
        problems.push({ path: keyPath, line: locateKey(text, path), message: `missing required key ${key} in ${where} (${node.allowed})` });
      }
      result[key] = node.default;
      continue;
    }
    const parsed = node.parse(raw);
    if (parsed.ok) {
      result[key] = parsed.value;
    } else {
      result[key] = node.default;
      problems.push({
        path: keyPath,
        line: locateKey(text, keyPath),
        message: `${keyPath.join(".")} = ${describe(raw)} is invalid${parsed.reason ? `: ${parsed.reason}` : ""}; allowed: ${node.allowed}`,
      });
    }
  }
  return result;
}

/**
 * Pure: TOML text → Config, or every problem with its line. An invalid
 * file that still parses as TOML also gives `bestEffort`: its valid keys,
 * defaults for the rest, so reports (`status`) can still say what they see.
 */
export function parseConfig(
  text: string,
): { config: Config; problems: [] } | { config: undefined; problems: ConfigProblem[]; bestEffort?: Config } {
  let parsed: Record<string, unknown>;
  try {
    parsed = TOML.parse(text) as Record<string, unknown>;
  } catch (error) {
    const syntax = error as { line?: number; col?: number; message?: string };
    const line = typeof syntax.line === "number" ? syntax.line + 1 : undefined;
    const message = (syntax.message ?? String(error)).split("\n")[0] ?? "syntax error";
    return { config: undefined, problems: [{ path: [], line, message: `TOML syntax error: ${message}` }] };
  }
  const problems: ConfigProblem[] = [];
  const config = validateNode(configSpecTree, parsed, [], text, problems) as unknown as Config;
  if (!problems.length) {
    for (const problem of crossCheckConfig(config)) problems.push({ path: problem.path, line: locateKey(text, problem.path), message: problem.message });
  }
  return problems.length ? { config: undefined, problems, bestEffort: config } : { config, problems: [] };
}

export function formatProblems(file: string, problems: ConfigProblem[]): string {
  return problems.map((p) => `${file}${p.line ? `:${p.line}` : ""}: ${p.message}`).join("\n");
}

/** Exit 2 with every problem as `file:line: message`, one per line. */
export function invalidConfigError(problemLines: string): MxError {
  return new MxError(`Invalid config:\n${problemLines}`, {
    code: "config.invalid",
    hint: "Fix the lines named above; `mxhome init --help` lists what each setting accepts.",
    exitCode: ExitCode.usage,
  });
}

/** Reads and validates mxhome.toml; every failure is exit code 2 with file and line. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new MxError(missing ? `No config at ${file}.` : `Cannot read ${file}: ${(error as Error).message}`, {
      code: missing ? "config.missing" : "config.unreadable",
      hint: missing ? "Run `mxhome init` first, or point --config / MXHOME_CONFIG at your mxhome.toml." : undefined,
      exitCode: ExitCode.usage,
    });
  }
  const result = parseConfig(text);
  if (result.config === undefined) throw invalidConfigError(formatProblems(file, result.problems));
  return result.config;
}
