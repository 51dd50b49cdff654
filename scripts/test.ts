/**
 * The README's test command (`npm test`): typecheck, then every test, then one
 * `N passed, N failed` line. PostgreSQL and mxhome refuse root, so when started
 * as root this re-runs itself as the unprivileged test user.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { rerunAsTestUserWhenRoot } from "./as-test-user.ts";

const repo = resolve(import.meta.dir, "..");
const bun = process.execPath;
// The provision step pre-fetches bun's cross-compile runtimes here (read-only for the test user).
const bunCache = join(repo, ".cache", "bun-cache");
if (!process.env.BUN_INSTALL_CACHE_DIR && existsSync(bunCache)) process.env.BUN_INSTALL_CACHE_DIR = bunCache;

function runInherit(argv: string[], env: Record<string, string | undefined> = process.env): number {
  return Bun.spawnSync(argv, { cwd: repo, env, stdio: ["inherit", "inherit", "inherit"] }).exitCode;
}

rerunAsTestUserWhenRoot("test");

const results = { passed: 0, failed: 0, skipped: 0 };

console.error("== typecheck (tsc --noEmit)");
const tsc = join(repo, "node_modules", ".bin", "tsc");
if (runInherit([tsc, "--noEmit", "-p", repo]) === 0) results.passed++;
else results.failed++;

console.error("== bun test");
const junit = join(mkdtempSync(join(tmpdir(), "mxhome-junit-")), "junit.xml");
// bunfig's [test] timeout is not applied by this bun; the flag is. Server starts need more than 5 s.
const testExit = runInherit([bun, "test", "--timeout=60000", "--reporter=junit", `--reporter-outfile=${junit}`, ...process.argv.slice(2)]);
if (existsSync(junit)) {
  const xml = readFileSync(junit, "utf8");
  const suite = /<testsuites[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"(?:[^>]*\bskipped="(\d+)")?/.exec(xml);
  const tests = Number(suite?.[1] ?? 0);
  const failures = Number(suite?.[2] ?? 0) + Number(/<testsuites[^>]*\berrors="(\d+)"/.exec(xml)?.[1] ?? 0);
  const skipped = Number(suite?.[3] ?? 0);
  results.passed += tests - failures - skipped;
  results.failed += failures;
  results.skipped += skipped;
}
if (testExit !== 0 && results.failed === 0) results.failed++; // a crash or load error still fails the run

console.log(`${results.passed} passed, ${results.failed} failed${results.skipped ? `, ${results.skipped} skipped` : ""}`);
process.exit(results.failed === 0 && results.passed > 1 ? 0 : 1);
