/** A throwaway Ed25519 release key pair, as `openssl genpkey -algorithm ed25519` would make. */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestReleaseKey {
  /** PEM private key file (0600), what `npm run release --signing-key` takes. */
  privateKeyFile: string;
  /** PEM public key file, what `openssl pkeyutl -verify -pubin` takes. */
  publicKeyFile: string;
}

export function throwawayReleaseKey(): TestReleaseKey {
  const dir = mkdtempSync(join(tmpdir(), "mxhome-release-key-"));
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privateKeyFile = join(dir, "release.pem");
  const publicKeyFile = join(dir, "release.pub");
  writeFileSync(privateKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  writeFileSync(publicKeyFile, publicKey.export({ type: "spki", format: "pem" }));
  return { privateKeyFile, publicKeyFile };
}
