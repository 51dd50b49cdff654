import { generateKeyPairSync, randomBytes, randomInt } from "node:crypto";

/** A random secret safe in YAML, pgpass and URLs (URL-safe base64 of 32 bytes). */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

const keyIdAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * An Ed25519 signing key in Synapse's file format: one line,
 * `ed25519 a_<4 chars> <unpadded base64 of the 32-byte seed>` (signedjson's write_signing_keys).
 */
export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  if (seed.length !== 32) throw new Error("unexpected Ed25519 seed length");
  const keyId = `a_${Array.from({ length: 4 }, () => keyIdAlphabet[randomInt(keyIdAlphabet.length)]).join("")}`;
  return `ed25519 ${keyId} ${seed.toString("base64").replace(/=+$/, "")}\n`;
}
