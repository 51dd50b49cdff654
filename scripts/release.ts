/**
 * `npm run release [outdir]`: linux-x64 and linux-arm64 binaries plus SHA256SUMS.
 * When Debian's qemu-user-static and the arm64 C library are installed, the
 * arm64 binary's `--version` is run under emulation to prove it starts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { compile } from "./build.ts";

const targets = [
  { name: "mxhome-linux-x64", target: "bun-linux-x64" },
  { name: "mxhome-linux-arm64", target: "bun-linux-arm64" },
];

export function release(outdir: string): string[] {
  mkdirSync(outdir, { recursive: true });
  const files = targets.map(({ name, target }) => {
    const outfile = join(outdir, name);
    compile(outfile, target);
    return outfile;
  });
  const sums = files.map((file) => `${createHash("sha256").update(readFileSync(file)).digest("hex")}  ${basename(file)}`);
  writeFileSync(join(outdir, "SHA256SUMS"), `${sums.join("\n")}\n`);
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
  const outdir = resolve(process.argv[2] ?? join(import.meta.dir, "..", "dist", "release"));
  const files = release(outdir);
  const emulated = arm64Version(files[1]!);
  if (emulated !== undefined && emulated !== packageJson.version) throw new Error(`arm64 --version printed ${emulated}`);
  console.error(`released ${files.map((f) => basename(f)).join(", ")} and SHA256SUMS to ${outdir}`);
  console.error(emulated === undefined ? "qemu-aarch64-static not installed: arm64 binary not run" : `arm64 --version under qemu: ${emulated}`);
}
