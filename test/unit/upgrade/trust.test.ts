import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { formatManifest, formatSums, type ReleaseManifest } from "../../../src/upgrade/release-files.ts";
import { signRelease } from "../../../src/upgrade/signature.ts";
import {
  assertNotOlder,
  assetFor,
  checkArch,
  checkDownload,
  elfArch,
  sha256Hex,
  trustedManifest,
  trustedSums,
  versionStep,
} from "../../../src/upgrade/trust.ts";
import { MxError } from "../../../src/ui/errors.ts";

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicBase64: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

const key = keyPair();
const otherKey = keyPair();
const encode = (text: string) => new TextEncoder().encode(text);
const binary = { name: "mxhome-linux-x64", sha256: "a".repeat(64), size: 1000 };
const manifestText = formatManifest("1.2.0", { "linux-x64": binary });
const sumsText = formatSums([binary, { name: "latest.json", sha256: sha256Hex(encode(manifestText)) }]);
const sums = new Map([
  ["mxhome-linux-x64", binary.sha256],
  ["latest.json", sha256Hex(encode(manifestText))],
]);

/** The refusal's code, or "ok"; every refusal is exit 1 and says nothing changed. */
function outcome(work: () => unknown): string {
  try {
    work();
    return "ok";
  } catch (error) {
    if (!(error instanceof MxError)) throw error;
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("Nothing was changed.");
    return error.code;
  }
}

describe("trustedSums", () => {
  const signature = signRelease(encode(sumsText), key.privatePem);

  test("a signature by the built-in key: the sums, parsed", () => {
    expect(trustedSums(encode(sumsText), signature, key.publicBase64, "src")).toEqual(sums);
  });

  test("refusals: no key built in, another signer, altered sums, a malformed signature", () => {
    expect(outcome(() => trustedSums(encode(sumsText), signature, undefined, "src"))).toBe("upgrade.no-release-key");
    expect(outcome(() => trustedSums(encode(sumsText), signature, otherKey.publicBase64, "src"))).toBe("upgrade.bad-signature");
    expect(outcome(() => trustedSums(encode(sumsText.replace("aaaa", "aaab")), signature, key.publicBase64, "src"))).toBe("upgrade.bad-signature");
    expect(outcome(() => trustedSums(encode(sumsText), signature.subarray(0, 63), key.publicBase64, "src"))).toBe("upgrade.bad-signature");
  });

  test("signed, but not sha256sum lines", () => {
    const garbage = encode("hello\n");
    expect(outcome(() => trustedSums(garbage, signRelease(garbage, key.privatePem), key.publicBase64, "src"))).toBe("upgrade.bad-manifest");
  });
});

describe("trustedManifest and assetFor", () => {
  test("latest.json is trusted through its hash in the signed sums", () => {
    const manifest = trustedManifest(encode(manifestText), sums, "src");
    expect(manifest.version).toBe("1.2.0");
    expect(assetFor(manifest, sums, "linux-x64")).toEqual(binary);
  });

  test("refusals: not listed, altered, invalid", () => {
    expect(outcome(() => trustedManifest(encode(manifestText), new Map(), "src"))).toBe("upgrade.bad-manifest");
    expect(outcome(() => trustedManifest(encode(manifestText.replace("1.2.0", "9.0.0")), sums, "src"))).toBe("upgrade.bad-checksum");
    const notJson = encode("{");
    expect(outcome(() => trustedManifest(notJson, new Map([["latest.json", sha256Hex(notJson)]]), "src"))).toBe("upgrade.bad-manifest");
  });

  test("no build for this architecture, or latest.json and the sums disagree", () => {
    const manifest: ReleaseManifest = JSON.parse(manifestText);
    expect(outcome(() => assetFor(manifest, sums, "linux-arm64"))).toBe("upgrade.no-build-for-arch");
    expect(outcome(() => assetFor(manifest, new Map([["mxhome-linux-x64", "b".repeat(64)]]), "linux-x64"))).toBe("upgrade.bad-checksum");
  });
});

describe("versions", () => {
  test("semver order, pre-releases before their release", () => {
    expect(versionStep("1.0.0", "1.1.0")).toBe("newer");
    expect(versionStep("1.0.0", "1.0.0")).toBe("same");
    expect(versionStep("1.10.0", "1.9.9")).toBe("older");
    expect(versionStep("1.0.0-rc.1", "1.0.0")).toBe("newer");
    expect(versionStep("1.0.0", "1.0.0-rc.1")).toBe("older");
  });

  test("older is refused unless allowed", () => {
    expect(outcome(() => assertNotOlder("1.0.0", "0.9.0", false))).toBe("upgrade.older");
    expect(outcome(() => assertNotOlder("1.0.0", "0.9.0", true))).toBe("ok");
    expect(outcome(() => assertNotOlder("1.0.0", "1.0.1", false))).toBe("ok");
  });
});

describe("checkDownload", () => {
  test("short is truncated; long or different is a checksum refusal", () => {
    expect(outcome(() => checkDownload({ size: 1000, sha256: binary.sha256 }, binary, "src"))).toBe("ok");
    expect(outcome(() => checkDownload({ size: 500, sha256: "c".repeat(64) }, binary, "src"))).toBe("upgrade.truncated");
    expect(outcome(() => checkDownload({ size: 1001, sha256: "c".repeat(64) }, binary, "src"))).toBe("upgrade.bad-checksum");
    expect(outcome(() => checkDownload({ size: 1000, sha256: "c".repeat(64) }, binary, "src"))).toBe("upgrade.bad-checksum");
  });
});

describe("elfArch", () => {
  const header = (machine: number, bigEndian = false) => {
    const bytes = new Uint8Array(20);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, bigEndian ? 2 : 1]);
    new DataView(bytes.buffer).setUint16(18, machine, !bigEndian);
    return bytes;
  };

  test("x86-64, aarch64, others, big-endian, not ELF", () => {
    expect(elfArch(header(62))).toBe("x64");
    expect(elfArch(header(183))).toBe("arm64");
    expect(elfArch(header(243))).toBe("ELF machine 243");
    expect(elfArch(header(183, true))).toBe("arm64");
    expect(elfArch(encode("#!/bin/sh\necho hi\n"))).toBeUndefined();
    expect(elfArch(header(62).subarray(0, 10))).toBeUndefined();
  });

  test("checkArch refuses another CPU's file and a non-executable", () => {
    expect(outcome(() => checkArch(header(62), "x64", binary))).toBe("ok");
    expect(outcome(() => checkArch(header(183), "x64", binary))).toBe("upgrade.wrong-arch");
    expect(outcome(() => checkArch(encode("<html>not found</html>"), "x64", binary))).toBe("upgrade.wrong-arch");
  });
});
