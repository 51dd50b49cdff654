import { describe, expect, test } from "bun:test";
import { createPrivateKey, sign, verify, createPublicKey } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolvePaths } from "../../../src/config/paths.ts";
import { generateSigningKey } from "../../../src/secrets/generate.ts";
import { ensureSecrets } from "../../../src/secrets/ensure.ts";
import { readSecret } from "../../../src/secrets/store.ts";
import { redact } from "../../../src/ui/redact.ts";

describe("signing key", () => {
  test("is Synapse's one-line format and a usable Ed25519 seed", () => {
    const line = generateSigningKey();
    const match = /^ed25519 (a_[A-Za-z0-9]{4}) ([A-Za-z0-9+/]{43})\n$/.exec(line);
    expect(match).not.toBeNull();
    const seed = Buffer.from(match![2]!, "base64");
    expect(seed.length).toBe(32);
    // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), to prove the seed signs and verifies.
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
    const key = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    const signature = sign(null, Buffer.from("hello"), key);
    expect(verify(null, Buffer.from("hello"), createPublicKey(key), signature)).toBe(true);
  });
});

describe("ensureSecrets", () => {
  test("creates 0600 files once and keeps them afterwards", () => {
    const paths = resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-secrets-")) });
    expect(ensureSecrets(paths, true).every((s) => s.action === "create")).toBe(true);
    const first = ensureSecrets(paths);
    expect(first.every((s) => s.action === "create")).toBe(true);
    expect(statSync(paths.secretsDir).mode & 0o777).toBe(0o700);
    const before = Object.values(paths.secrets).map((f) => readFileSync(f, "utf8"));
    for (const f of Object.values(paths.secrets)) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(ensureSecrets(paths).every((s) => s.action === "keep")).toBe(true);
    expect(Object.values(paths.secrets).map((f) => readFileSync(f, "utf8"))).toEqual(before);
  });

  test("a secret read is redacted from any output", () => {
    const paths = resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-secrets-")) });
    ensureSecrets(paths);
    const password = readSecret(paths, "postgresPassword");
    expect(redact(`password=${password}`)).toBe("password=[REDACTED]");
    const seed = readSecret(paths, "signingKey").split(" ")[2]!;
    expect(redact(seed)).toBe("[REDACTED]");
  });
});
