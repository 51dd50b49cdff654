/**
 * `npm run release -- [outdir] --signing-key <file> [--arch linux-x64]…`:
 * the linux-x64 and linux-arm64 binaries, latest.json, SHA256SUMS and its
 * Ed25519 signature SHA256SUMS.sig (src/upgrade/release-files.ts describes
 * them). The signing key is a PEM private key (`openssl genpkey -algorithm
 * ed25519`); its public half is compiled into every binary, so they trust
 * exactly the key their release was signed with.
 *
 * When Debian's qemu-user-static and the arm64 C library are installed, the
 * arm64 binary's `--version` is run under emulation to prove it starts.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import packageJson from "../package.json" with { type: "json" };
import {
  binaryFileName,
  formatManifest,
  formatSums,
  manifestFileName,
  releaseArches,
  type ReleaseArch,
  type ReleaseAsset,
  signatureFileName,
  sumsFileName,
} from "../src/upgrade/release-files.ts";
import { signRelease } from "../src/upgrade/signature.ts";
import { compile, releasePublicKeyOf } from "./build.ts";

export interface ReleaseOptions {
  /** PEM file of the Ed25519 private key. */
  signingKey: string;
  /** Default: every released architecture. Tests build only the host's. */
  arches?: readonly ReleaseArch[];
  /** Default: package.json's. */
  version?: string;
}

const sha256Of = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Builds and signs a release in `outdir`; returns the binaries' paths, in `arches` order. */
export function release(outdir: string, options: ReleaseOptions): string[] {
  const version = options.version ?? packageJson.version;
  const arches = options.arches ?? releaseArches;
  mkdirSync(outdir, { recursive: true });
  const buildOptions = { releasePublicKey: releasePublicKeyOf(options.signingKey), version };
  const assets: Record<string, ReleaseAsset> = {};
  const files = arches.map((arch) => {
    const outfile = join(outdir, binaryFileName(arch));
    compile(outfile, `bun-${arch}`, buildOptions);
    assets[arch] = { name: basename(outfile), sha256: sha256Of(outfile), size: statSync(outfile).size };
    return outfile;
  });
  writeFileSync(join(outdir, manifestFileName), formatManifest(version, assets));
  const sums = formatSums([
    ...Object.values(assets),
    { name: manifestFileName, sha256: sha256Of(join(outdir, manifestFileName)) },
  ]);
  writeFileSync(join(outdir, sumsFileName), sums);
  writeFileSync(join(outdir, signatureFileName), signRelease(Buffer.from(sums), readFileSync(options.signingKey)));
  return files;
}

/** Runs the arm64 binary under qemu; undefined when emulation is not installed. */
export function arm64Version(binary: string): string | undefined {
  const qemu = Bun.which("qemu-aarch64-static");
  if (!qemu) return undefined;
  const result = Bun.spawnSync([qemu, "-L", "/usr/aarch64-linux-gnu", binary, "--version"]);
  if (result.exitCode !== 0) throw new Error(`arm64 binary failed under qemu: ${result.stderr.toString()}`);
  return result.stdout.toString().trim();
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { "signing-key": { type: "string" }, arch: { type: "string", multiple: true } },
    allowPositionals: true,
  });
  const signingKey = values["signing-key"];
  if (!signingKey) {
    console.error("usage: npm run release -- [outdir] --signing-key <ed25519-private-key.pem> [--arch linux-x64]");
    console.error("make a key once with: openssl genpkey -algorithm ed25519 -out mxhome-release.pem");
    process.exit(2);
  }
  const unknown = (values.arch ?? []).filter((arch) => !(releaseArches as readonly string[]).includes(arch));
  if (unknown.length) throw new Error(`unknown --arch ${unknown.join(", ")}; known: ${releaseArches.join(", ")}`);
  const arches = values.arch?.length ? (values.arch as ReleaseArch[]) : releaseArches;
  const outdir = resolve(positionals[0] ?? join(import.meta.dir, "..", "dist", "release"));
  const files = release(outdir, { signingKey, arches });
  const arm64 = files[arches.indexOf("linux-arm64")];
  const emulated = arm64 ? arm64Version(arm64) : undefined;
  if (emulated !== undefined && emulated !== packageJson.version) throw new Error(`arm64 --version printed ${emulated}`);
  console.error(`released ${files.map((f) => basename(f)).join(", ")}, ${manifestFileName}, ${sumsFileName} and ${signatureFileName} to ${outdir}`);
  if (arm64) console.error(emulated === undefined ? "qemu-aarch64-static not installed: arm64 binary not run" : `arm64 --version under qemu: ${emulated}`);
}
