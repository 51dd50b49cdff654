import { join } from "node:path";
import { which } from "../io/exec.ts";

/** The compiled binary's own path; undefined when running from source (`bun src/cli.ts`). */
export function compiledExecutable(): string | undefined {
  return Bun.main.startsWith("/$bunfs/") ? process.execPath : undefined;
}

/**
 * The executable timers should run. A compiled binary knows its own path;
 * from source fall back to an installed `mxhome`.
 */
export function mxhomeExecutable(home = process.env.HOME ?? ""): string {
  return compiledExecutable() ?? which("mxhome") ?? join(home, ".local", "bin", "mxhome");
}
