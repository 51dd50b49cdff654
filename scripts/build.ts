/**
 * Builds dist/mxhome: one self-contained executable with every template embedded.
 * Compiled binaries would otherwise read .env and bunfig.toml from whatever
 * directory the user runs them in, so both autoloads are off. Bytecode (ESM)
 * spares parsing at start-up (without it `--version` takes ~5× longer), and
 * splitting keeps each command (and matrix-js-sdk) in its own chunk inside
 * the binary, loaded at its `import()`: one 1.7 MB bundle had every run load
 * the bytecode of all of it (README "Start-up").
 *
 * Build options are constants compiled into the binary (`--define`), never
 * read from the environment at run time:
 *   --release-key <file>  the Ed25519 public key (PEM) `upgrade --self` trusts;
 *                         without it the binary refuses to upgrade itself.
 *   --version <x.y.z>     the version it reports instead of package.json's (tests).
 *   --synapse-lock <file> another Synapse lock than src/runtime/native/synapse.lock
 *                         (tests build an mxhome that deploys an older Synapse).
 *   --postgres-image <ref> another PostgreSQL image than src/render/images.ts pins
 *                         (tests build an mxhome that deploys an older PostgreSQL major).
 */
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

export interface BuildOptions {
  /** The release public key, base64 DER (SubjectPublicKeyInfo); see `releasePublicKeyOf`. */
  releasePublicKey?: string;
  /** Overrides package.json's version in the binary. */
  version?: string;
  /** The text of another Synapse lock to pin instead of src/runtime/native/synapse.lock. */
  synapseLock?: string;
  /** A fully qualified PostgreSQL image to pin instead of images.postgres. */
  postgresImage?: string;
}

/** base64 DER of the Ed25519 public key in a PEM file, public or private (the public half is derived). */
export function releasePublicKeyOf(pemFile: string): string {
  const key = createPublicKey(readFileSync(pemFile));
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${pemFile} is a ${key.asymmetricKeyType} key; releases are signed with Ed25519`);
  return key.export({ type: "spki", format: "der" }).toString("base64");
}

export function compileArgs(outfile: string, target?: string, options: BuildOptions = {}): string[] {
  return [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    "--sourcemap=none",
    "--bytecode",
    "--format=esm",
    "--splitting",
    // A run of mxhome is short, or long but waiting on PostgreSQL, Synapse and disks: JIT-compiling
    // start-up code rarely pays back. 16× the tier-up thresholds cut `status`'s CPU time by ~12%.
    "--compile-jit-policy=16",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    ...(target ? [`--target=${target}`] : []),
    ...(options.releasePublicKey ? ["--define", `MXHOME_RELEASE_PUBLIC_KEY=${JSON.stringify(options.releasePublicKey)}`] : []),
    ...(options.version ? ["--define", `MXHOME_BUILD_VERSION=${JSON.stringify(options.version)}`] : []),
    ...(options.synapseLock ? ["--define", `MXHOME_SYNAPSE_LOCK=${JSON.stringify(options.synapseLock)}`] : []),
    ...(options.postgresImage ? ["--define", `MXHOME_POSTGRES_IMAGE=${JSON.stringify(options.postgresImage)}`] : []),
    resolve(import.meta.dir, "..", "src", "cli.ts"),
    "--outfile",
    outfile,
  ];
}

export function compile(outfile: string, target?: string, options: BuildOptions = {}): void {
  const result = Bun.spawnSync(compileArgs(outfile, target, options), { stdio: ["ignore", "inherit", "inherit"] });
  if (result.exitCode !== 0) throw new Error(`bun build failed for ${target ?? "host"} (exit ${result.exitCode})`);
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { "release-key": { type: "string" }, version: { type: "string" }, "synapse-lock": { type: "string" }, "postgres-image": { type: "string" } },
    allowPositionals: true,
  });
  const outfile = positionals[0] ?? resolve(import.meta.dir, "..", "dist", "mxhome");
  const releaseKey = values["release-key"];
  const synapseLock = values["synapse-lock"] ? readFileSync(values["synapse-lock"], "utf8") : undefined;
  const postgresImage = values["postgres-image"];
  compile(outfile, undefined, { releasePublicKey: releaseKey ? releasePublicKeyOf(releaseKey) : undefined, version: values.version, synapseLock, postgresImage });
  console.error(`built ${outfile}${releaseKey ? ` trusting the release key in ${releaseKey}` : " (no release key: `upgrade --self` refuses)"}`);
}
