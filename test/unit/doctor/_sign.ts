/** Signing as a homeserver does, for tests: the seed of a Synapse signing key line, and signed JSON. */
import { createPrivateKey, sign } from "node:crypto";
import { canonicalJson } from "../../../src/doctor/signing.ts";

export function signWithSeed(seed: string, message: string): string {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seed, "base64")]);
  return sign(null, Buffer.from(message), createPrivateKey({ key: der, format: "der", type: "pkcs8" })).toString("base64").replace(/=+$/, "");
}

/** `object` signed by `serverName` with the key in a signing key line (`ed25519 a_xxxx <seed>`). */
export function signJson<T extends Record<string, unknown>>(object: T, serverName: string, signingKeyLine: string): T & { signatures: Record<string, Record<string, string>> } {
  const [, version, seed] = signingKeyLine.trim().split(" ");
  return { ...object, signatures: { [serverName]: { [`ed25519:${version}`]: signWithSeed(seed!, canonicalJson(object)) } } };
}
