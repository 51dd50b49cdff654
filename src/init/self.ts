import { join } from "node:path";
import { which } from "../io/exec.ts";

/**
 * The executable timers should run. A compiled binary knows its own path;
 * from source (`bun src/cli.ts`) fall back to an installed `mxhome`.
 */
export function mxhomeExecutable(home = process.env.HOME ?? ""): string {
  if (Bun.main.startsWith("/$bunfs/")) return process.execPath;
  return which("mxhome") ?? join(home, ".local", "bin", "mxhome");
}
