import { redact } from "./redact.ts";

/** Bumped when a `--json` document changes incompatibly. */
export const jsonSchemaVersion = 1;

/*
 * stdout and stderr are written through console.log and console.warn, never
 * process.stdout or process.stderr: in Bun the first touch of either builds a
 * Node stream, about 13 ms and 8 MB at start-up, more than all of the rest of
 * `mxhome --version` (bench/startup.ts). Console writes are synchronous and
 * complete before the process exits, even into a slow pipe. console.warn, not
 * console.error: on a terminal Bun paints console.error's text red.
 */
const withoutFinalNewline = (text: string) => (text.endsWith("\n") ? text.slice(0, -1) : text);

/** Whole lines on stdout; a final newline is added when missing. */
export function writeStdout(text: string): void {
  console.log(withoutFinalNewline(text));
}

/** Whole lines on stderr; a final newline is added when missing. */
export function writeStderr(text: string): void {
  console.warn(withoutFinalNewline(text));
}

let documentPrinted = false;

/** Exactly one JSON document on stdout, always with `schemaVersion` and `command`. */
export function printJson(command: string, document: object): void {
  const text = JSON.stringify({ schemaVersion: jsonSchemaVersion, command, ...document }, null, 2);
  writeStdout(redact(text));
  documentPrinted = true;
}

/** Whether this run printed its `--json` document: a command that fails after its report must not print a second one. */
export const jsonDocumentPrinted = (): boolean => documentPrinted;

/** Report text for people, on stdout; plain ASCII off a terminal or with NO_COLOR. */
export function printText(text: string): void {
  // require(), not import: telling a terminal needs node:fs, which `--version` (it loads this module) does not.
  const { colorEnabled, toAscii } = require("./style.ts") as typeof import("./style.ts");
  writeStdout(colorEnabled(1) ? redact(text) : toAscii(redact(text)));
}
