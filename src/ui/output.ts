import { redact } from "./redact.ts";
import { colorEnabled, toAscii } from "./style.ts";

/** Bumped when a `--json` document changes incompatibly. */
export const jsonSchemaVersion = 1;

/** Exactly one JSON document on stdout, always with `schemaVersion` and `command`. */
export function printJson(command: string, document: object): void {
  const text = JSON.stringify({ schemaVersion: jsonSchemaVersion, command, ...document }, null, 2);
  process.stdout.write(`${redact(text)}\n`);
}

/** Report text for people, on stdout; plain ASCII off a terminal or with NO_COLOR. */
export function printText(text: string): void {
  const plain = colorEnabled() ? redact(text) : toAscii(redact(text));
  process.stdout.write(`${plain}${text.endsWith("\n") ? "" : "\n"}`);
}
