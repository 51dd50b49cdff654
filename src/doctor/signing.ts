import { createPrivateKey, createPublicKey, verify } from "node:crypto";

/**
 * Federation's signed JSON, checked the way a remote server checks it
 * (Matrix spec, appendices "Canonical JSON" and "Signing JSON"): the
 * signature covers the canonical JSON of the object without `signatures`
 * and `unsigned`, with unpadded base64 for keys and signatures.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isInteger(value)) throw new Error("canonical JSON allows integers only");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    // By code point: UTF-8 byte order is code point order (UTF-16 unit order is not, past the BMP).
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}

const unpadded = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");

/** Pure: the key id and public key (unpadded base64) of a Synapse signing key line `ed25519 a_xxxx <seed>`. */
export function publicKeyOfSigningKey(line: string): { keyId: string; publicKey: string } | undefined {
  const [algorithm, version, seed] = line.trim().split(/\s+/);
  const seedBytes = seed ? Buffer.from(seed, "base64") : Buffer.alloc(0);
  if (algorithm !== "ed25519" || !version || seedBytes.length !== 32) return undefined;
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seedBytes]);
  const x = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({ format: "jwk" }).x!;
  return { keyId: `ed25519:${version}`, publicKey: unpadded(Buffer.from(x, "base64url")) };
}

export function verifyEd25519(publicKey: string, message: string, signature: string): boolean {
  try {
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey, "base64").toString("base64url") }, format: "jwk" });
    return verify(null, Buffer.from(message, "utf8"), key, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

export interface ServerKeys {
  server_name?: string;
  valid_until_ts?: number;
  verify_keys?: Record<string, { key?: string }>;
  signatures?: Record<string, Record<string, string>>;
  unsigned?: unknown;
}

/** Pure: whether `/_matrix/key/v2/server` is self-signed by `serverName` with one of its own verify_keys. */
export function checkServerKeys(document: ServerKeys, serverName: string): { ok: true; keyIds: string[] } | { ok: false; problem: string } {
  if (document.server_name !== serverName) return { ok: false, problem: `it names server ${JSON.stringify(document.server_name)}, not ${serverName}` };
  const signatures = document.signatures?.[serverName] ?? {};
  const { signatures: _signatures, unsigned: _unsigned, ...signed } = document;
  const message = canonicalJson(signed);
  const verified = Object.entries(signatures).filter(([keyId, signature]) => {
    const key = document.verify_keys?.[keyId]?.key;
    return key !== undefined && keyId.startsWith("ed25519:") && verifyEd25519(key, message, signature);
  });
  if (Object.keys(signatures).length === 0) return { ok: false, problem: `it carries no signature by ${serverName}` };
  if (verified.length === 0) return { ok: false, problem: "its Ed25519 signature does not verify against its own verify_keys" };
  return { ok: true, keyIds: verified.map(([keyId]) => keyId) };
}
