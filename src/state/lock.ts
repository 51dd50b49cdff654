import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { ExitCode, MxError } from "../ui/errors.ts";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * An exclusive lock per job, so a timer run and a manual run never overlap.
 * A lock left by a process that died is taken over, so an interrupted run
 * can simply be run again.
 */
export function acquireLock(paths: Paths, name: string): () => void {
  mkdirSync(paths.stateDir, { recursive: true });
  const file = join(paths.stateDir, `${name}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new MxError(`Another \`mxhome ${name}\` is running (pid ${holder}).`, {
          code: "lock.held",
          hint: `Wait for it to finish; if that process is not mxhome, remove ${file}.`,
          exitCode: ExitCode.locked,
        });
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new MxError(`Could not take the lock ${file}.`, { code: "lock.failed", exitCode: ExitCode.locked });
}
