import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import type { Paths } from "../config/paths.ts";
import { ensurePrivateDir } from "../io/fs.ts";
import { generateSecret, generateSigningKey } from "./generate.ts";
import type { SecretName } from "./store.ts";

const generators: Record<SecretName, () => string> = {
  signingKey: generateSigningKey,
  macaroonSecret: generateSecret,
  formSecret: generateSecret,
  registrationSecret: generateSecret,
  postgresPassword: generateSecret,
  workerReplicationSecret: generateSecret,
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
  return (Object.keys(generators) as SecretName[]).map((name) => ensureSecret(paths, name, dryRun));
}

/** One secret, created when missing (its dir must exist unless dry). `up` uses it for a secret newer than the deployment's `init`. */
export function ensureSecret(paths: Paths, name: SecretName, dryRun = false): SecretResult {
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
}
