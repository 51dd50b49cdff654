import { createHash } from "node:crypto";
import { ExitCode, MxError } from "../ui/errors.ts";
import {
  manifestFileName,
  parseManifest,
  parseSums,
  type ReleaseAsset,
  type ReleaseManifest,
  signatureFileName,
  sumsFileName,
} from "./release-files.ts";
import { verifyRelease } from "./signature.ts";

/**
 * Pure: each step from "bytes someone served" to "a binary mxhome may
 * install". Each refusal throws with exit 1 and the reason, before anything
 * on the machine changes.
 */
export type RefusalCode =
  | "upgrade.no-release-key"
  | "upgrade.bad-signature"
  | "upgrade.bad-checksum"
  | "upgrade.truncated"
  | "upgrade.bad-manifest"
  | "upgrade.no-build-for-arch"
  | "upgrade.wrong-arch"
  | "upgrade.does-not-start"
  | "upgrade.older";

export function refusal(code: RefusalCode, message: string, hint?: string): MxError {
  return new MxError(`${message} Nothing was changed.`, { code, hint, exitCode: ExitCode.failed });
}

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** SHA256SUMS, once its signature verifies against the built-in key. */
export function trustedSums(sums: Uint8Array, signature: Uint8Array, releaseKey: string | undefined, source: string): Map<string, string> {
  if (releaseKey === undefined) {
    throw refusal(
      "upgrade.no-release-key",
      "This mxhome was built without a release key, so it cannot tell a genuine release from any other file.",
      "Install an official release by hand (README \"Install\"), or build with `npm run build -- --release-key <public-key.pem>`.",
    );
  }
  if (!verifyRelease(sums, signature, releaseKey)) {
    throw refusal(
      "upgrade.bad-signature",
      `${signatureFileName} at ${source} is not a signature of its ${sumsFileName} by the key this mxhome trusts: the release was altered, or signed by someone else.`,
      "Check the source ([upgrade] release_url or --from); a genuine release is signed by the mxhome release key.",
    );
  }
  const parsed = parseSums(new TextDecoder().decode(sums));
  if (!parsed) throw refusal("upgrade.bad-manifest", `${sumsFileName} at ${source} is signed but not in sha256sum format.`);
  return parsed;
}

/** latest.json, once its hash matches the signed SHA256SUMS. */
export function trustedManifest(manifest: Uint8Array, sums: Map<string, string>, source: string): ReleaseManifest {
  const expected = sums.get(manifestFileName);
  if (expected === undefined) throw refusal("upgrade.bad-manifest", `The signed ${sumsFileName} at ${source} does not list ${manifestFileName}.`);
  if (sha256Hex(manifest) !== expected) {
    throw refusal("upgrade.bad-checksum", `${manifestFileName} at ${source} does not match its SHA-256 in the signed ${sumsFileName}: it was altered.`);
  }
  const parsed = parseManifest(new TextDecoder().decode(manifest));
  if ("problem" in parsed) throw refusal("upgrade.bad-manifest", `${manifestFileName} at ${source} is signed but invalid: ${parsed.problem}.`);
  return parsed.manifest;
}

/** The binary for this machine's architecture, as both latest.json and the signed sums name it. */
export function assetFor(manifest: ReleaseManifest, sums: Map<string, string>, arch: string): ReleaseAsset {
  const asset = manifest.files[arch];
  if (!asset) {
    throw refusal(
      "upgrade.no-build-for-arch",
      `Release ${manifest.version} has no build for ${arch} (it has: ${Object.keys(manifest.files).join(", ") || "none"}).`,
    );
  }
  if (sums.get(asset.name) !== asset.sha256) {
    throw refusal("upgrade.bad-checksum", `${manifestFileName} and the signed ${sumsFileName} disagree about ${asset.name}'s SHA-256.`);
  }
  return asset;
}

export type VersionStep = "newer" | "same" | "older";

export function versionStep(current: string, offered: string): VersionStep {
  const order = Bun.semver.order(offered, current);
  return order > 0 ? "newer" : order === 0 ? "same" : "older";
}

/** Refuses going back unless asked to. */
export function assertNotOlder(current: string, offered: string, allowDowngrade: boolean): void {
  if (versionStep(current, offered) === "older" && !allowDowngrade) {
    throw refusal(
      "upgrade.older",
      `The release offered is ${offered}, older than this mxhome (${current}).`,
      "To go back on purpose, add --allow-downgrade.",
    );
  }
}

/** A downloaded binary is exactly the one the signed sums name: size first (a clearer reason), then hash. */
export function checkDownload(download: { size: number; sha256: string }, asset: ReleaseAsset, source: string): void {
  if (download.size < asset.size) {
    throw refusal(
      "upgrade.truncated",
      `The download of ${asset.name} from ${source} stopped after ${download.size} of ${asset.size} bytes (truncated).`,
      "Run the command again; if it keeps happening, the source serves an incomplete file.",
    );
  }
  if (download.size !== asset.size || download.sha256 !== asset.sha256) {
    throw refusal(
      "upgrade.bad-checksum",
      `${asset.name} from ${source} has SHA-256 ${download.sha256} (${download.size} bytes), not the signed ${asset.sha256} (${asset.size} bytes): it was altered or corrupted.`,
    );
  }
}

/** ELF e_machine values (elf(5)) of the architectures mxhome releases. */
const elfMachines: Record<number, string> = { 62: "x64", 183: "arm64" };

/** Pure: the CPU an ELF executable is for, from its first 20 bytes; undefined when not ELF. */
export function elfArch(header: Uint8Array): string | undefined {
  if (header.length < 20 || header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) return undefined;
  // EI_DATA (byte 5): 1 little-endian, 2 big-endian; e_machine is the 16-bit field at offset 18.
  const machine = header[5] === 2 ? (header[18]! << 8) | header[19]! : header[18]! | (header[19]! << 8);
  return elfMachines[machine] ?? `ELF machine ${machine}`;
}

/** Even a correctly signed file must be an executable for this CPU (`cpu` as process.arch names it). */
export function checkArch(header: Uint8Array, cpu: string, asset: ReleaseAsset): void {
  const built = elfArch(header);
  if (built !== cpu) {
    throw refusal(
      "upgrade.wrong-arch",
      `${asset.name} is ${built === undefined ? "not a Linux executable" : `built for ${built}`}, and this machine is ${cpu}.`,
    );
  }
}
