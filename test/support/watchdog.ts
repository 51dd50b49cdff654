/**
 * Test servers outlive their test process unless something stops them: mxhome starts its daemons
 * detached, in their own sessions, so no process-group kill reaches them, and `bun test` runs no
 * "exit" handlers when it is killed. So each server gets a watchdog: a detached `sh` that waits for
 * the test process to end (however it ends), then stops every process still working inside the
 * server's directory and deletes it (unless `keepFiles`: a benchmark's server kept for its next run).
 *
 * "Inside" means a working directory or a command-line word under the root: the daemons (each runs
 * in its data directory), PostgreSQL's backends, and also an `mxhome up` the test had started, which
 * a killed test process leaves running and which would otherwise start Caddy after the daemons it
 * found were stopped. The root is a fresh temporary directory, so nothing else can match.
 *
 * Plain `sh` with coreutils, not a bun script: the watchdog must still work when the bun that started
 * it is gone, and a few processes per pass every half second cost next to nothing.
 *
 * Not a child of the test process: when a hook or test times out, `bun test` kills the child processes
 * it left running ("killed N dangling processes"), and a watchdog started in that hook was one of them,
 * so the server it watched (PostgreSQL, which `pg_ctl` starts as no child of ours) was left behind. The
 * shell bun starts puts the watchdog in the background and exits; the watchdog, orphaned, runs on.
 */
import { spawn } from "node:child_process";

/**
 * Every process (not this shell) whose working directory or command line is inside $root. The grep
 * pattern is the root with its first character bracketed, "[/]tmp/x/", so grep's own command line,
 * which holds the pattern, does not match it; the root's other characters are escaped.
 */
const reaper = String.raw`
while kill -0 "$WATCHED_PID" 2>/dev/null; do sleep 0.5; done
root=$WATCHED_ROOT
case "$root" in /?*/?*) ;; *) exit 2 ;; esac # never a short or relative root: everything inside goes
escaped=$(printf '%s/' "$root" | cut -c2- | sed 's/[].[*^$\\]/\\&/g')
pattern="[$(printf '%.1s' "$root")]$escaped"
inside() {
  ls -l /proc/[0-9]*/cwd 2>/dev/null | sed -n 's#^.* /proc/\([0-9]*\)/cwd -> \(.*\)$#\1 \2#p' | while read -r pid cwd; do
    case "$cwd/" in "$root"/*) echo "$pid" ;; esac
  done
  grep -lsa -e "$pattern" /proc/[0-9]*/cmdline 2>/dev/null | sed 's#^/proc/\([0-9]*\)/cmdline$#\1#'
}
# SIGINT each second: PostgreSQL's fast shutdown, a clean stop for Synapse and Caddy, the end of an
# mxhome run. After the grace, SIGKILL. Scanned again each time, so a daemon started meanwhile is caught.
n=0
while pids=$(inside | grep -vx "$$" | sort -u) && [ -n "$pids" ]; do
  if [ "$n" -ge $((WATCHDOG_GRACE * 2)) ]; then kill -KILL $pids 2>/dev/null
  elif [ $((n % 2)) -eq 0 ]; then kill -INT $pids 2>/dev/null
  fi
  [ "$n" -ge $((WATCHDOG_GRACE * 2 + 40)) ] && break # unkillable (D state): leave it rather than hang
  sleep 0.5
  n=$((n + 1))
done
[ "$WATCHDOG_KEEP_FILES" = 1 ] || rm -rf "$root"
`;

/** Starts the watchdog of a server whose every file is under `root`; it acts once this process is gone. */
export function startWatchdog(root: string, options: { graceSeconds?: number; keepFiles?: boolean } = {}): void {
  // The root travels in the environment, not the command line, so the watchdog never matches itself.
  const env = {
    ...process.env,
    WATCHED_PID: String(process.pid),
    WATCHED_ROOT: root,
    WATCHDOG_GRACE: String(options.graceSeconds ?? 10),
    WATCHDOG_KEEP_FILES: options.keepFiles ? "1" : "0",
    WATCHDOG_SCRIPT: reaper,
  };
  spawn("sh", ["-c", 'sh -c "$WATCHDOG_SCRIPT" &'], { detached: true, stdio: "ignore", cwd: "/", env }).unref();
}
