import { createConsola, type ConsolaInstance } from "consola";
import { redact } from "./redact.ts";
import { colorEnabled } from "./style.ts";

/**
 * Logs go to stderr so stdout carries only data (`--json` documents, reports).
 * Every message is redacted before it is printed.
 */
let instance: ConsolaInstance | undefined;

function consola(): ConsolaInstance {
  instance ??= createConsola({
    stdout: process.stderr,
    stderr: process.stderr,
    level: 3,
    formatOptions: { colors: colorEnabled(process.stderr), date: false },
  });
  return instance;
}

export function setVerbose(verbose: boolean): void {
  consola().level = verbose ? 4 : 3;
}

export function setQuiet(quiet: boolean): void {
  if (quiet) consola().level = 1;
}

const clean = (message: string) => redact(message);

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
