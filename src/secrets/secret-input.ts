import { ExitCode, MxError } from "../ui/errors.ts";
import { registerSecret } from "../ui/redact.ts";

/**
 * A secret the user hands mxhome through a file (`-` for stdin), never argv:
 * the admin's first password, a backup passphrase. One trailing newline is
 * dropped (editors add one); the value is registered for redaction at once.
 */
export async function readSecretInput(file: string, what: { name: string; flag: string }): Promise<string> {
  let text: string;
  try {
    text = file === "-" ? await Bun.stdin.text() : await Bun.file(file).text();
  } catch (error) {
    throw new MxError(`Cannot read the ${what.name} file ${file}: ${(error as Error).message}`, {
      code: "secret-input.unreadable",
      hint: `Give a readable file holding only the ${what.name} (mode 0600), or \`${what.flag} -\` to read it from stdin.`,
      exitCode: ExitCode.usage,
    });
  }
  const value = text.replace(/\r?\n$/, "");
  registerSecret(value);
  return value;
}
