import type { ConsolaInstance } from "consola";
import { writeStderr } from "./output.ts";
import { redact } from "./redact.ts";
import { colorEnabled, toAscii } from "./style.ts";
import { isTerminal } from "./terminal.ts";

/**
 * Logs go to stderr so stdout carries only data (`--json` documents, reports).
 * Every message is redacted before it is printed.
 *
 * consola is loaded on the first message, not with this module: on import it
 * loads node:tty and reads process.stdout.isTTY, ~17 ms of start-up that
 * commands which never log (`status`, `--version`) should not pay. A
 * `require()`d module is evaluated at the call, also in the compiled binary.
 */
let instance: ConsolaInstance | undefined;
let level = 3;

// consola writes with `stream.write`; writeStderr keeps process.stderr's Node stream unbuilt.
const stderr = { write: (text: string) => (writeStderr(text), true) } as unknown as NodeJS.WriteStream;

function consola(): ConsolaInstance {
  if (!instance) {
    const { createConsola } = require("consola") as typeof import("consola");
    // Off a terminal (a timer's journal, a pipe) or with NO_COLOR: consola's basic reporter, `[info] …` instead of icons.
    const fancy = colorEnabled(2);
    // `fancy` is read by consola's Node entry, though its options type doesn't list it.
    const options = { stdout: stderr, stderr, level, fancy, formatOptions: { colors: fancy, date: false } };
    instance = createConsola(options);
  }
  return instance;
}

function setLevel(next: number): void {
  level = next;
  if (instance) instance.level = next;
}

export function setVerbose(verbose: boolean): void {
  setLevel(verbose ? 4 : 3);
}

export function setQuiet(quiet: boolean): void {
  if (quiet) setLevel(1);
}

const clean = (message: string) => (colorEnabled(2) ? redact(message) : toAscii(redact(message)));

export const log = {
  info: (message: string) => consola().info(clean(message)),
  start: (message: string) => consola().start(clean(message)),
  success: (message: string) => consola().success(clean(message)),
  warn: (message: string) => consola().warn(clean(message)),
  error: (message: string) => consola().error(clean(message)),
  debug: (message: string) => consola().debug(clean(message)),
  // No prompt: consola's draw on stdout; questions go through ui/ask-line.ts, on stderr.
};

/** Prompts only when a person can answer: stdin is a terminal and this is not CI. */
export function isInteractive(): boolean {
  return isTerminal(0) && !process.env.CI;
}
