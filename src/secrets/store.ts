import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { basename } from "node:path";
import type { Paths } from "../config/paths.ts";
import { ensurePrivateDir } from "../io/fs.ts";
import { MxError } from "../ui/errors.ts";
import { registerSecret } from "../ui/redact.ts";
import { generateSecret, generateSigningKey } from "./generate.ts";

export type SecretName = keyof Paths["secrets"];

const generators: Record<SecretName, () => string> = {
  signingKey: generateSigningKey,
  macaroonSecret: generateSecret,
  formSecret: generateSecret,
  registrationSecret: generateSecret,
  postgresPassword: generateSecret,
};

export interface SecretResult {
  name: SecretName;
  file: string;
  action: "create" | "keep";
}

/**
 * Creates each missing secret file (0600, exclusive create) and keeps every
 * existing one: losing the signing key would change the server's identity.
 */
export function ensureSecrets(paths: Paths, dryRun = false): SecretResult[] {
  if (!dryRun) ensurePrivateDir(paths.secretsDir);
  return (Object.keys(generators) as SecretName[]).map((name) => {
    const file = paths.secrets[name];
    if (existsSync(file)) return { name, file, action: "keep" };
    if (!dryRun) {
      const fd = openSync(file, "wx", 0o600);
      try {
        writeSync(fd, generators[name]());
      } finally {
        closeSync(fd);
      }
    }
    return { name, file, action: "create" };
  });
}

/** Reads a secret, registering it for redaction before anything can print it. */
export function readSecret(paths: Paths, name: SecretName): string {
  const file = paths.secrets[name];
  let value: string;
  try {
    value = readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new MxError(`Secret ${basename(file)} is missing at ${file}.`, {
      code: "secret.missing",
      hint: "Run `mxhome init` to create missing secrets (existing ones are kept).",
      cause: error,
    });
  }
  registerSecret(name === "signingKey" ? (value.split(" ")[2] ?? value) : value);
  return value;
}

/** The permission bits of a secret file, for checks that want 0600. */
export function secretMode(file: string): number | undefined {
  return existsSync(file) ? statSync(file).mode & 0o777 : undefined;
}
