/**
 * PostgreSQL and mxhome refuse root, so scripts started as root (CI, a
 * developer's container) re-run themselves as the unprivileged test user,
 * with a fresh HOME so every path goes through HOME/XDG_*.
 */
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const testUser = process.env.MXHOME_TEST_USER ?? "mxtest";

/** When running as root: runs this same script as the test user and exits with its code. Otherwise returns. */
export function rerunAsTestUserWhenRoot(label: string): void {
  if (process.getuid?.() !== 0) return;
  if (Bun.spawnSync(["id", "-u", testUser]).exitCode !== 0) {
    console.error(`The test user ${testUser} does not exist; run scripts/provision-test-env.sh first.`);
    process.exit(2);
  }
  const home = mkdtempSync(join(tmpdir(), `mxhome-${label}-home-`));
  chmodSync(home, 0o777);
  Bun.spawnSync(["chown", `${testUser}:`, home]);
  const env = { ...process.env, HOME: home, USER: testUser, LOGNAME: testUser, XDG_RUNTIME_DIR: undefined };
  const argv = ["setpriv", `--reuid=${testUser}`, `--regid=${testUser}`, "--init-groups", process.execPath, ...process.argv.slice(1)];
  const result = Bun.spawnSync(argv, { cwd: resolve(import.meta.dir, ".."), env, stdio: ["inherit", "inherit", "inherit"] });
  process.exit(result.exitCode);
}
