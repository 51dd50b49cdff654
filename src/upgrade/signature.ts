import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";

/**
 * Ed25519 over the exact bytes of SHA256SUMS. The signature is the 64 raw
 * bytes, so `openssl pkeyutl -verify -rawin` checks it by hand as well.
 */
export function signRelease(data: Uint8Array, privateKeyPem: string | Uint8Array): Uint8Array {
  const key = createPrivateKey(Buffer.from(privateKeyPem));
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the signing key is ${key.asymmetricKeyType}, not Ed25519`);
  return sign(null, data, key);
}

/** Whether `signature` is the signature of `data` by the key (base64 DER SubjectPublicKeyInfo). */
export function verifyRelease(data: Uint8Array, signature: Uint8Array, publicKeyBase64: string): boolean {
  const key = createPublicKey({ key: Buffer.from(publicKeyBase64, "base64"), format: "der", type: "spki" });
  return signature.length === 64 && verify(null, data, key, signature);
}
