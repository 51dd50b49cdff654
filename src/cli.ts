import { type ArgsDef, type CommandDef, defineCommand, renderUsage, runCommand } from "citty";
import { commands } from "./commands/index.ts";
import { hoistableFlags } from "./commands/_hoistable-flags.ts";
import { ExitCode, MxError, usageError } from "./ui/errors.ts";
import { jsonDocumentPrinted, printJson, writeStderr, writeStdout } from "./ui/output.ts";
import { redact } from "./ui/redact.ts";
import { mxhomeVersion } from "./version.ts";

const main = defineCommand({
  meta: {
    name: "mxhome",
    version: mxhomeVersion,
    description: "A private Matrix homeserver on your own Linux PC",
  },
  subCommands: commands,
});

const topLevelEpilogue = `
GLOBAL OPTIONS (accepted by every command)

  --config <file>   mxhome.toml to use (default: $MXHOME_CONFIG, else $XDG_CONFIG_HOME/mxhome/mxhome.toml)
  --json            print one JSON document instead of text (commands that report),
                    a failure too: {"ok": false, "error": {"code", "message", "hint", "exitCode"}}
  --verbose         debug output and full errors
  --yes             assume yes; required for questions when not interactive
  --allow-root      run as root anyway (mxhome is rootless by design)
  --version, -v     print the version

EXIT CODES

  0 ok · 1 operation failed · 2 usage or config error · 4 another run holds the lock (3 is reserved)
`;

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/**
 * `mxhome --verbose status` means `mxhome status --verbose`: global flags may precede the subcommand.
 * They move after the whole command (`mxhome --json user list` → `user list --json`), before a `--`.
 */
export function hoistGlobalFlags(rawArgs: string[]): string[] {
  const leading: string[] = [];
  let index = 0;
  while (index < rawArgs.length && hoistableFlags.includes(rawArgs[index]!)) leading.push(rawArgs[index++]!);
  if (rawArgs[index] === "--config" && rawArgs[index + 1] !== undefined) {
    leading.push(rawArgs[index]!, rawArgs[index + 1]!);
    index += 2;
  }
  if (index === 0 || index === rawArgs.length) return rawArgs;
  const rest = rawArgs.slice(index);
  const separator = rest.indexOf("--");
  return separator === -1 ? [...rest, ...leading] : [...rest.slice(0, separator), ...leading, ...rest.slice(separator)];
}

/** What an error report needs to know of the command line: the command's name as typed, and whether `--json` asked for a document. */
interface Invocation {
  /** "user add"; an unknown name as typed ("stauts"); "" for mxhome alone. */
  command: string;
  json: boolean;
}

/** `--json` among the flags (not after `--`, where words belong to the command, as in `mxhome complete -- …`). */
function asksForJson(rawArgs: string[]): boolean {
  const separator = rawArgs.indexOf("--");
  return (separator === -1 ? rawArgs : rawArgs.slice(0, separator)).includes("--json");
}

async function resolveLeaf(rawArgs: string[], invocation: Invocation): Promise<{ command: CommandDef<any>; parent?: CommandDef<any>; rest: string[] }> {
  let command: CommandDef<any> = main;
  let parent: CommandDef<any> | undefined;
  let rest = rawArgs;
  for (;;) {
    const subCommands = typeof command.subCommands === "function" ? await command.subCommands() : await command.subCommands;
    const name = rest[0];
    if (!subCommands || name === undefined || name.startsWith("-")) return { command, parent, rest };
    invocation.command = rawArgs.slice(0, rawArgs.length - rest.length + 1).join(" ");
    const next = subCommands[name];
    if (!next) {
      const { closestName } = await import("./ui/suggest.ts");
      const suggestion = closestName(name, Object.keys(subCommands));
      const parentName = command === main ? "mxhome" : `mxhome ${rawArgs.slice(0, rawArgs.length - rest.length).join(" ")}`;
      throw usageError(
        `Unknown command "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}`,
        "usage.unknown-command",
        suggestion ? `${parentName} ${suggestion}` : `Run \`${parentName} --help\` for the list of commands.`,
      );
    }
    parent = command;
    command = typeof next === "function" ? await next() : await next;
    rest = rest.slice(1);
  }
}

/** citty ignores flags it does not know; a typo should not silently change nothing. */
async function rejectUnknownFlags(command: CommandDef<any>, rest: string[]): Promise<void> {
  const argsDef: ArgsDef = (typeof command.args === "function" ? await command.args() : await command.args) ?? {};
  const known = new Set<string>(["help", "h"]);
  for (const [name, def] of Object.entries(argsDef)) {
    known.add(name);
    known.add(`no-${name}`);
    const aliases = "alias" in def && def.alias ? [def.alias].flat() : [];
    for (const alias of aliases) known.add(alias);
  }
  for (const arg of rest) {
    if (arg === "--") break;
    const flag = /^--?([^=]+)/.exec(arg)?.[1];
    if (arg.startsWith("-") && flag !== undefined && !/^-\d/.test(arg) && !known.has(flag)) {
      throw usageError(`Unknown option "${arg}".`, "usage.unknown-option", "Run the command with --help to see its options.");
    }
  }
}

export function refuseRoot(rawArgs: string[], uid = process.getuid?.()): void {
  if (uid !== 0 || rawArgs.includes("--allow-root")) return;
  throw new MxError(
    "mxhome refuses to run as root: the homeserver is designed to run rootless, as your own user, so a compromise stays inside your account and files stay yours.",
    { code: "root", hint: "Run it as your normal user, or pass --allow-root if you really mean it.", exitCode: ExitCode.usage },
  );
}

/** The `error` of a failed run's `--json` document: the same code, message, hint and exit code stderr shows. */
export function errorDocument(error: unknown): { code: string; message: string; hint?: string; exitCode: ExitCode } {
  if (error instanceof MxError) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), exitCode: error.exitCode };
  const message = (error as Error | undefined)?.message ?? String(error);
  return { code: "unexpected", message, hint: "Run again with --verbose for details.", exitCode: ExitCode.failed };
}

/**
 * The one place a failure becomes an exit code. The message goes to stderr; with `--json`, stdout
 * still carries one document: the command's report when it printed one before failing (doctor's
 * failed checks, kick's cap), otherwise `{ ok: false, error }`.
 */
async function report(error: unknown, verbose: boolean, invocation: Invocation): Promise<ExitCode> {
  // Imported here, as for usage below: telling a terminal needs node:fs, which `--version` does not.
  const { colorEnabled, toAscii } = await import("./ui/style.ts");
  const write = (text: string) => writeStderr(colorEnabled(2) ? redact(text) : toAscii(redact(text)));
  const document = errorDocument(error);
  if (invocation.json && !jsonDocumentPrinted()) printJson(invocation.command, { ok: false, error: document });
  write(`error: ${document.message}\n`);
  const stack = error instanceof MxError ? undefined : (error as Error | undefined)?.stack;
  if (verbose && stack) write(`${stack}\n`);
  else if (document.hint) write(`hint: ${document.hint}\n`);
  if (verbose && error instanceof MxError && error.cause) write(`cause: ${String((error.cause as Error).stack ?? error.cause)}\n`);
  return document.exitCode;
}

export async function run(argv: string[]): Promise<ExitCode> {
  const rawArgs = hoistGlobalFlags(argv);
  const verbose = rawArgs.includes("--verbose");
  const invocation: Invocation = { command: "", json: asksForJson(rawArgs) };
  try {
    if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
      writeStdout(`${mxhomeVersion}\n`);
      return ExitCode.ok;
    }
    const { command, parent, rest } = await resolveLeaf(rawArgs, invocation);
    if (rawArgs.length === 0 || rest.includes("--help") || rest.includes("-h") || (command.subCommands && !command.run)) {
      // citty names a command after its parent alone ("user add"): name the whole path, "mxhome user add".
      const path = rawArgs.slice(0, rawArgs.length - rest.length);
      const named = parent && { ...parent, meta: { name: ["mxhome", ...path.slice(0, -1)].join(" "), version: mxhomeVersion } };
      const usage = `${await renderUsage(command, named)}\n${command === main ? topLevelEpilogue : ""}`;
      // Imported here: telling a terminal needs node:fs, which the rest of this module (and `--version`) does not.
      const { colorEnabled, toAscii } = await import("./ui/style.ts");
      writeStdout(colorEnabled() ? usage : toAscii(stripAnsi(usage)));
      return ExitCode.ok;
    }
    await rejectUnknownFlags(command, rest);
    refuseRoot(rawArgs);
    await runCommand(command, { rawArgs: rest }).catch((error: unknown) => {
      // citty's own argument errors (a missing positional, a value outside an enum) are usage errors.
      if ((error as { name?: string; code?: string })?.name !== "CLIError" || (error as { code?: string }).code !== "EARG") throw error;
      const path = rawArgs.slice(0, rawArgs.length - rest.length).join(" ");
      throw usageError(`${stripAnsi((error as Error).message)}.`, "usage.missing-argument", `Run \`mxhome ${path} --help\` for what it takes.`);
    });
    return ExitCode.ok;
  } catch (error) {
    return await report(error, verbose, invocation);
  }
}

if (import.meta.main) void run(process.argv.slice(2)).then((code) => process.exit(code));
