import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { readTextIfExists, writeFileAtomic } from "../../io/fs.ts";
import { MxError } from "../../ui/errors.ts";
import { waitFor } from "../health.ts";
import { atBackgroundPriority, niceDaemonSession } from "./priority.ts";

/**
 * Plain-process supervision for the native runtime: detached daemons that
 * outlive the `mxhome up` that started them, found again through pid files.
 */
export interface DaemonSpec {
  name: string;
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  pidFile: string;
  logFile: string;
  /**
   * A fragment of /proc/<pid>/cmdline that only this daemon has (its config
   * path), so a pid the kernel recycled for some other program is not
   * mistaken for ours.
   */
  identity: string;
}

export type DaemonIdentity = Pick<DaemonSpec, "pidFile" | "identity">;

function readCommandLine(pid: number): string | undefined {
  try {
    // Arguments are NUL-separated; a zombie's cmdline is empty, so it never matches.
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return undefined;
  }
}

function pidInFile(pidFile: string): number | undefined {
  const pid = Number.parseInt(readTextIfExists(pidFile)?.split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The state letter in /proc/<pid>/stat ("R", "S", "Z"…), undefined once the pid is gone. */
function processState(pid: number): string | undefined {
  try {
    // "<pid> (<name>) <state> …"; the name may itself hold ")", so cut at the last one.
    return /^\s*(\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)/, ""))?.[1];
  } catch {
    return undefined;
  }
}
const isZombie = (pid: number) => processState(pid) === "Z";
/** Gone, or a zombie: either way its files and sockets are closed (the kernel does that before the zombie state). */
export const hasExited = (pid: number) => processState(pid) === undefined || isZombie(pid);

/**
 * A killed daemon stays a zombie until its parent (init, after the
 * daemon detached) reaps it, and PostgreSQL takes a zombie's pid in
 * postmaster.pid for a live postmaster. Wait for the reaping.
 */
export async function waitUntilReaped(pidFile: string, timeoutMs = 15_000): Promise<void> {
  const pid = pidInFile(pidFile);
  if (pid !== undefined) await waitFor(() => !isZombie(pid), timeoutMs, 100);
}

/** The daemon's pid when it is running, otherwise undefined. */
export function runningPid(daemon: DaemonIdentity): number | undefined {
  // postmaster.pid and our own pid files both keep the pid on the first line.
  const pid = pidInFile(daemon.pidFile);
  return pid !== undefined && readCommandLine(pid)?.includes(daemon.identity) ? pid : undefined;
}

/** How each daemon this mxhome run started ended, once it has: "exit status 1", "killed by SIGKILL". */
const endings = new Map<number, string>();

/** Pure: the words for a process's end, as node reports it. */
export function describeEnding(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit status ${code}`;
}

/**
 * How a daemon started by this run ended, waiting up to `waitMs` for the news: /proc shows it gone a
 * moment before the parent hears. Undefined while it runs, or when another run started it.
 */
export async function daemonEnding(pid: number, waitMs = 1_000): Promise<string | undefined> {
  await waitFor(() => endings.has(pid), waitMs, 20);
  return endings.get(pid);
}

/** Starts the daemon in its own session at background priority, stdout and stderr appended to its log, and records its pid. */
export function spawnDaemon(spec: DaemonSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log = openSync(spec.logFile, "a", 0o600);
  try {
    const [program, ...args] = atBackgroundPriority(spec.argv);
    const child = spawn(program!, args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["ignore", log, log],
    });
    // A program that cannot be executed is reported through child.pid below; without a listener the event would crash mxhome.
    child.on("error", () => {});
    if (child.pid === undefined) {
      throw new MxError(`Could not start ${spec.name} (${program}).`, { code: "native.spawn-failed", hint: "Check that the program exists and is executable." });
    }
    const pid = child.pid;
    // Heard only while this run lives (the daemon outlives it); enough to say why a start failed.
    child.on("exit", (code, signal) => endings.set(pid, describeEnding(code, signal)));
    child.unref();
    niceDaemonSession(child.pid);
    writeFileAtomic(spec.pidFile, `${child.pid}\n`, 0o600);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/**
 * SIGTERM, wait for a clean exit, then SIGKILL. Returns false when nothing
 * was running. The pid file goes either way, so a stale one never lingers.
 */
export async function stopDaemon(daemon: DaemonIdentity, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(daemon);
  if (pid === undefined) {
    rmSync(daemon.pidFile, { force: true });
    return false;
  }
  signal(pid, "SIGTERM");
  // Wait for a full exit, not just an emptied command line, so its port is free for a restart.
  if (!(await waitFor(() => hasExited(pid), graceMs))) {
    signal(pid, "SIGKILL");
    await waitFor(() => hasExited(pid), 5_000);
  }
  rmSync(daemon.pidFile, { force: true });
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** Current size of a log, so a failed start can show only what that start wrote. */
export function logSize(logFile: string): number {
  try {
    return statSync(logFile).size;
  } catch {
    return 0;
  }
}

/** Bytes [start, end) of a log file as text. */
export function readLogRange(logFile: string, start: number, end: number): string {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  const fd = openSync(logFile, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8");
}

/** The last lines of a log file written after `fromOffset`, reading at most the final 64 KiB. */
export function tailLog(logFile: string, lines = 20, fromOffset = 0): string {
  const size = logSize(logFile);
  const start = Math.max(fromOffset, size - 65_536);
  if (size <= start) return "";
  return readLogRange(logFile, start, size).trimEnd().split("\n").slice(-lines).join("\n");
}
