/**
 * The compiled binary, built once per test process and copied alone into an
 * empty directory, exactly as a user downloads it.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../scripts/build.ts";

let built: string | undefined;

export function mxhomeBinary(): string {
  if (process.env.MXHOME_TEST_BINARY) return process.env.MXHOME_TEST_BINARY;
  if (!built) {
    const buildDir = mkdtempSync(join(tmpdir(), "mxhome-build-"));
    compile(join(buildDir, "mxhome"));
    const alone = mkdtempSync(join(tmpdir(), "mxhome-alone-"));
    built = join(alone, "mxhome");
    copyFileSync(join(buildDir, "mxhome"), built);
    Bun.spawnSync(["chmod", "0755", built]);
  }
  return built;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the binary with a given HOME (and XDG_* unset, so everything derives from HOME). */
export function runMxhome(args: string[], options: { home: string; cwd?: string; env?: Record<string, string>; stdin?: string }): RunResult {
  const env: Record<string, string | undefined> = { ...process.env, HOME: options.home, NO_COLOR: "1", ...options.env };
  for (const key of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "MXHOME_CONFIG"]) if (!options.env?.[key]) delete env[key];
  const result = Bun.spawnSync([mxhomeBinary(), ...args], {
    cwd: options.cwd ?? options.home,
    env,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
  });
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

export function freshHome(): string {
  return mkdtempSync(join(tmpdir(), "mxhome-home-"));
}
