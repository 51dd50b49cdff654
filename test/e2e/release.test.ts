import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { arm64Version, release } from "../../scripts/release.ts";
import { releasePublicKeyOf } from "../../scripts/build.ts";
import { parseManifest, parseSums } from "../../src/upgrade/release-files.ts";
import { verifyRelease } from "../../src/upgrade/signature.ts";
import { throwawayReleaseKey } from "../support/release-key.ts";

test("npm run release makes x64 and arm64 binaries, latest.json, SHA256SUMS and its Ed25519 signature", () => {
  const outdir = mkdtempSync(join(tmpdir(), "mxhome-release-"));
  const key = throwawayReleaseKey();
  const files = release(outdir, { signingKey: key.privateKeyFile });
  const sumsText = readFileSync(join(outdir, "SHA256SUMS"));
  const sums = parseSums(sumsText.toString())!;
  expect([...sums.keys()]).toEqual(["mxhome-linux-x64", "mxhome-linux-arm64", "latest.json"]);
  const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
  const manifest = parseManifest(readFileSync(join(outdir, "latest.json"), "utf8"));
  if ("problem" in manifest) throw new Error(manifest.problem);
  expect(manifest.manifest.version).toBe(packageJson.version);
  for (const [index, arch] of ["linux-x64", "linux-arm64"].entries()) {
    const file = files[index]!;
    expect(statSync(file).mode & 0o111).not.toBe(0);
    expect(sums.get(`mxhome-${arch}`)).toBe(digest(file));
    expect(manifest.manifest.files[arch]).toEqual({ name: `mxhome-${arch}`, sha256: digest(file), size: statSync(file).size });
  }
  expect(sums.get("latest.json")).toBe(digest(join(outdir, "latest.json")));

  // The signature verifies with the public key, as the binaries do and as a person does with openssl.
  const signature = readFileSync(join(outdir, "SHA256SUMS.sig"));
  expect(verifyRelease(sumsText, signature, releasePublicKeyOf(key.publicKeyFile))).toBe(true);
  const openssl = Bun.spawnSync(
    ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key.publicKeyFile, "-rawin", "-in", join(outdir, "SHA256SUMS"), "-sigfile", join(outdir, "SHA256SUMS.sig")],
  );
  expect(openssl.stdout.toString()).toContain("Signature Verified Successfully");

  const x64 = Bun.spawnSync([files[0]!, "--version"]);
  expect(x64.stdout.toString().trim()).toBe(packageJson.version);
  const emulated = arm64Version(files[1]!);
  if (emulated !== undefined) expect(emulated).toBe(packageJson.version);
  rmSync(outdir, { recursive: true, force: true });
}, 180_000);
