import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { ensurePrivateDir, readTextIfExists, writeFileAtomic } from "../io/fs.ts";
import { MxError } from "../ui/errors.ts";
import { registerSecret } from "../ui/redact.ts";

/**
 * Credentials of the accounts mxhome itself uses, one 0600 JSON file each in
 * the state dir's credentials/. Every value read is registered for
 * redaction, so no log line or report can print it.
 */
export type ManagedAccount = "service" | "bot";

export interface StoredCredentials {
  userId: string;
  password: string;
  /** Absent until a first login succeeded (or after a crash between the two). */
  accessToken?: string;
  deviceId?: string;
}

export function credentialsFile(paths: Paths, account: ManagedAccount): string {
  return join(paths.credentialsDir, `${account}.json`);
}

export function readCredentials(paths: Paths, account: ManagedAccount): StoredCredentials | undefined {
  const file = credentialsFile(paths, account);
  const text = readTextIfExists(file);
  if (text === undefined) return undefined;
  let stored: StoredCredentials;
  try {
    stored = JSON.parse(text) as StoredCredentials;
  } catch (error) {
    throw new MxError(`${file} is not valid JSON.`, {
      code: "accounts.credentials-corrupt",
      hint: `Restore it from a backup; or, if the account can be recreated, move the file away and run \`mxhome up\`.`,
      cause: error,
    });
  }
  registerSecret(stored.password);
  if (stored.accessToken) registerSecret(stored.accessToken);
  return stored;
}

export function writeCredentials(paths: Paths, account: ManagedAccount, credentials: StoredCredentials): void {
  ensurePrivateDir(paths.credentialsDir);
  registerSecret(credentials.password);
  if (credentials.accessToken) registerSecret(credentials.accessToken);
  writeFileAtomic(credentialsFile(paths, account), `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
}
