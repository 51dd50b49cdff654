import { describe, expect, test } from "bun:test";
import { canonicalJson, checkServerKeys, publicKeyOfSigningKey, verifyEd25519 } from "../../../src/doctor/signing.ts";
import { signWithSeed as signWith } from "./_sign.ts";

// The Matrix spec's test key (appendices, "Signing JSON"): seed, and the signatures it gives.
const specSeed = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
const specKey = publicKeyOfSigningKey(`ed25519 1 ${specSeed}`)!;


describe("canonical JSON (spec appendix examples)", () => {
  test.each([
    [{}, "{}"],
    [{ one: 1, two: "Two" }, '{"one":1,"two":"Two"}'],
    [{ b: "2", a: "1" }, '{"a":"1","b":"2"}'],
    [{ auth: { success: true, mxid: "@john.doe:example.com", profile: { display_name: "John Doe", three_pids: [{ medium: "email", address: "john.doe@example.org" }] } } },
      '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"}]},"success":true}}'],
    [{ a: "日本語" }, '{"a":"日本語"}'],
    [{ 本: 2, 日: 1 }, '{"日":1,"本":2}'],
    [{ a: "\u65E5" }, '{"a":"日"}'],
    [{ a: null }, '{"a":null}'],
    [{ a: -0, b: 1e3 }, '{"a":0,"b":1000}'],
    // Past the BMP, code point order differs from UTF-16 order.
    [{ "\uFFFF": 1, "😀": 2 }, '{"\uFFFF":1,"😀":2}'],
  ])("%j", (value, expected) => expect(canonicalJson(value)).toBe(expected));

  test("floats are not canonical JSON", () => expect(() => canonicalJson({ a: 1.5 })).toThrow());
});

describe("Ed25519 with the spec's test key", () => {
  test.each([
    [{}, "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"],
    [{ one: 1, two: "Two" }, "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"],
  ])("%j verifies, and a changed object does not", (value, signature) => {
    expect(signWith(specSeed, canonicalJson(value))).toBe(signature);
    expect(verifyEd25519(specKey.publicKey, canonicalJson(value), signature)).toBe(true);
    expect(verifyEd25519(specKey.publicKey, canonicalJson({ ...value, extra: 1 }), signature)).toBe(false);
  });

  test("the key id comes from the signing key line", () => {
    expect(specKey.keyId).toBe("ed25519:1");
    expect(publicKeyOfSigningKey("ed25519 a_AbCd notbase64")).toBeUndefined();
    expect(publicKeyOfSigningKey("rsa a_AbCd " + specSeed)).toBeUndefined();
  });
});

describe("checkServerKeys", () => {
  const serverName = "desktop.tail1234.ts.net";
  const base = { server_name: serverName, valid_until_ts: 4_102_444_800_000, old_verify_keys: {}, verify_keys: { "ed25519:1": { key: specKey.publicKey } } };
  const signed = { ...base, signatures: { [serverName]: { "ed25519:1": signWith(specSeed, canonicalJson(base)) } } };
  const otherSeed = Buffer.alloc(32, 7).toString("base64").replace(/=+$/, "");

  test.each([
    ["correctly signed", signed, true],
    ["signed, with `unsigned` added afterwards", { ...signed, unsigned: { note: "ignored" } }, true],
    ["a field changed after signing", { ...signed, valid_until_ts: 1 }, false],
    ["signed by another key", { ...base, signatures: { [serverName]: { "ed25519:1": signWith(otherSeed, canonicalJson(base)) } } }, false],
    ["no signatures", base, false],
    ["signed by another server name", { ...signed, signatures: { "example.org": signed.signatures[serverName] } }, false],
    ["another server_name", { ...signed, server_name: "example.org" }, false],
  ] as const)("%s", (_name, document, expected) => {
    expect(checkServerKeys(document as never, serverName).ok).toBe(expected);
  });
});
