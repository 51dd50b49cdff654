import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { Paths } from "../config/paths.ts";
import { MxError } from "../ui/errors.ts";
import { registerSecret } from "../ui/redact.ts";

/**
 * Reading secrets. Creating them is ensure.ts, apart so that commands which
 * only read (status, doctor) do not load node:crypto's key generation.
 */
export type SecretName = keyof Paths["secrets"];

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
