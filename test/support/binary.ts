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

export interface RunOptions {
  home: string;
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  /** Another mxhome executable than the one built for the tests. */
  binary?: string;
}

/** argv and spawn options: the given HOME, and XDG_* unset so everything derives from HOME. */
function spawnRequest(args: string[], options: RunOptions) {
  const env: Record<string, string | undefined> = { ...process.env, HOME: options.home, NO_COLOR: "1", ...options.env };
  for (const key of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "MXHOME_CONFIG"]) if (!options.env?.[key]) delete env[key];
  const spawnOptions = {
    cwd: options.cwd ?? options.home,
    env,
    stdin: options.stdin === undefined ? ("ignore" as const) : new TextEncoder().encode(options.stdin),
    stdout: "pipe" as const,
    stderr: "pipe" as const,
  };
  return { argv: [options.binary ?? mxhomeBinary(), ...args], spawnOptions };
}

export function runMxhome(args: string[], options: RunOptions): RunResult {
  const { argv, spawnOptions } = spawnRequest(args, options);
  const result = Bun.spawnSync(argv, spawnOptions);
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** Like runMxhome, without blocking this process: for tests that serve the binary something themselves. */
export async function runMxhomeAsync(args: string[], options: RunOptions): Promise<RunResult> {
  const { argv, spawnOptions } = spawnRequest(args, options);
  const child = Bun.spawn(argv, spawnOptions);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}

export function freshHome(): string {
  return mkdtempSync(join(tmpdir(), "mxhome-home-"));
}
