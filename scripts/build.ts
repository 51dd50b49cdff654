/**
 * Builds dist/mxhome: one self-contained executable with every template embedded.
 * Compiled binaries would otherwise read .env and bunfig.toml from whatever
 * directory the user runs them in, so both autoloads are off. Bytecode (ESM)
 * spares parsing at start-up (without it `--version` takes ~5× longer), and
 * splitting keeps each command (and matrix-js-sdk) in its own chunk inside
 * the binary, loaded at its `import()`: one 1.7 MB bundle had every run load
 * the bytecode of all of it (README "Start-up").
 */
import { resolve } from "node:path";

export function compileArgs(outfile: string, target?: string): string[] {
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
    resolve(import.meta.dir, "..", "src", "cli.ts"),
    "--outfile",
    outfile,
  ];
}

export function compile(outfile: string, target?: string): void {
  const result = Bun.spawnSync(compileArgs(outfile, target), { stdio: ["ignore", "inherit", "inherit"] });
  if (result.exitCode !== 0) throw new Error(`bun build failed for ${target ?? "host"} (exit ${result.exitCode})`);
}

if (import.meta.main) {
  const outfile = process.argv[2] ?? resolve(import.meta.dir, "..", "dist", "mxhome");
  compile(outfile);
  console.error(`built ${outfile}`);
}
