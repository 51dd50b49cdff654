import { createConsola, type ConsolaInstance } from "consola";
import { redact } from "./redact.ts";
import { colorEnabled, toAscii } from "./style.ts";

/**
 * Logs go to stderr so stdout carries only data (`--json` documents, reports).
 * Every message is redacted before it is printed. Off a terminal (a timer's
 * journal, a pipe) or with NO_COLOR they are plain ASCII: consola's basic
 * reporter (`[info] …` instead of icons) and ASCII punctuation.
 */
let instance: ConsolaInstance | undefined;

function consola(): ConsolaInstance {
  if (instance) return instance;
  const fancy = colorEnabled(process.stderr);
  const options = { stdout: process.stderr, stderr: process.stderr, level: 3, fancy, formatOptions: { colors: fancy, date: false } };
  instance = createConsola(options);
  return instance;
}

export function setVerbose(verbose: boolean): void {
  consola().level = verbose ? 4 : 3;
}

export function setQuiet(quiet: boolean): void {
  if (quiet) consola().level = 1;
}

const clean = (message: string) => (colorEnabled(process.stderr) ? redact(message) : toAscii(redact(message)));

export const log = {
  info: (message: string) => consola().info(clean(message)),
  start: (message: string) => consola().start(clean(message)),
  success: (message: string) => consola().success(clean(message)),
  warn: (message: string) => consola().warn(clean(message)),
  error: (message: string) => consola().error(clean(message)),
  debug: (message: string) => consola().debug(clean(message)),
  /** Prompts are only reached when interactive; see `isInteractive`. */
  prompt: ((...args: Parameters<ConsolaInstance["prompt"]>) => consola().prompt(...args)) as ConsolaInstance["prompt"],
};

/** Prompts only when a person can answer: stdin is a TTY and this is not CI. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY) && !process.env.CI;
}
