import { ExitCode, MxError, usageError } from "../ui/errors.ts";
import { isInteractive } from "../ui/logger.ts";
import { registerSecret } from "../ui/redact.ts";
import { readSecretInput } from "../secrets/secret-input.ts";

/**
 * Where an archive's passphrase comes from: `--passphrase-file FILE` (`-`
 * for stdin), or a prompt that does not echo, only when a person is at a
 * terminal. It is asked lazily: restoring a plain archive never asks.
 */
export const minimumPassphraseLength = 8;


/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = "";
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") return done();
        if (char === "\u0003") return done(new MxError("Cancelled.", { code: "cancelled", exitCode: ExitCode.failed }));
        if (char === "\u007f" || char === "\b") answer = answer.slice(0, -1);
        else if (char >= " ") answer += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

export interface PassphraseRequest {
  file?: string;
  /** backup: asks twice and requires a minimum length. */
  creating: boolean;
}

export function passphraseSource(request: PassphraseRequest): () => Promise<string> {
  let cached: Promise<string> | undefined;
  const obtain = async (): Promise<string> => {
    let passphrase: string;
    if (request.file) {
      passphrase = await readSecretInput(request.file, { name: "passphrase", flag: "--passphrase-file" });
    } else if (isInteractive()) {
      passphrase = await promptHidden(request.creating ? "Passphrase for the backup: " : "Passphrase of the backup: ");
      if (request.creating && (await promptHidden("The same passphrase again: ")) !== passphrase) {
        throw usageError("The two passphrases differ.", "backup.passphrase-mismatch", "Run the command again and type the same passphrase twice.");
      }
    } else {
      throw usageError(
        request.creating ? "--encrypt needs a passphrase, and there is no terminal to ask on." : "The archive is encrypted, and there is no terminal to ask for its passphrase.",
        "backup.passphrase-missing",
        "Pass --passphrase-file FILE (a file holding only the passphrase, mode 0600).",
      );
    }
    if (request.creating && passphrase.length < minimumPassphraseLength) {
      throw usageError(`The passphrase must have at least ${minimumPassphraseLength} characters.`, "backup.passphrase-too-short", "Use a longer passphrase; a few random words are good.");
    }
    registerSecret(passphrase);
    return passphrase;
  };
  return () => (cached ??= obtain());
}
