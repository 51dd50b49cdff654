/**
 * PostgreSQL and mxhome refuse root, so scripts started as root (CI, a
 * developer's container) run their work as the unprivileged test user,
 * with a fresh HOME so every path goes through HOME/XDG_*.
 */
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const testUser = process.env.MXHOME_TEST_USER ?? "mxtest";

/** Exits (code 2) naming the fix when provisioning has not created the test user. */
export function requireTestUser(): void {
  if (Bun.spawnSync(["id", "-u", testUser]).exitCode === 0) return;
  console.error(`The test user ${testUser} does not exist; run scripts/provision-test-env.sh first.`);
  process.exit(2);
}

/** A fresh HOME the test user owns (root only). */
export function testUserHome(label: string): string {
  const home = mkdtempSync(join(tmpdir(), `mxhome-${label}-home-`));
  chmodSync(home, 0o777);
  Bun.spawnSync(["chown", `${testUser}:`, home]);
  return home;
}

/** argv and environment that run `argv` as the test user with HOME `home` (root only). */
export function asTestUser(argv: string[], home: string): { argv: string[]; env: Record<string, string | undefined> } {
  return {
    argv: ["setpriv", `--reuid=${testUser}`, `--regid=${testUser}`, "--init-groups", ...argv],
    env: { ...process.env, HOME: home, USER: testUser, LOGNAME: testUser, XDG_RUNTIME_DIR: undefined },
  };
}

/** When running as root: runs this same script as the test user and exits with its code. Otherwise returns. */
export function rerunAsTestUserWhenRoot(label: string): void {
  if (process.getuid?.() !== 0) return;
  requireTestUser();
  const { argv, env } = asTestUser([process.execPath, ...process.argv.slice(1)], testUserHome(label));
  const result = Bun.spawnSync(argv, { cwd: resolve(import.meta.dir, ".."), env, stdio: ["inherit", "inherit", "inherit"] });
  process.exit(result.exitCode);
}
