/**
 * What a test server needs besides mxhome itself: Synapse settings only test
 * servers get (written to the overrides file before `init`, which never
 * rewrites it; the e2e test of the binary and bench/up.ts use them too), and
 * the watchdog that removes the server after the test process.
 */
import { spawn } from "node:child_process";
import type { Paths } from "../../src/config/paths.ts";
import { maxWorkers } from "../../src/config/scale.ts";
import { scaleDaemon } from "../../src/runtime/native/scale.ts";
import { nativeDaemon } from "../../src/runtime/native/services.ts";
import { serviceOrder } from "../../src/runtime/runtime.ts";

/** Rate limits the suites never meet (each key checked against synapse/config/ratelimiting.py). */
const relaxedRateLimits = [
  "rc_message", "rc_registration", "rc_admin_redaction", "rc_joins_per_room", "rc_3pid_validation", "rc_third_party_invite",
  "rc_media_create", "rc_room_creation", "rc_reports", "rc_profile", "rc_user_directory", "rc_delayed_event_mgmt", "rc_key_requests",
  "rc_login.address", "rc_login.account", "rc_login.failed_attempts", "rc_joins.local", "rc_joins.remote",
  "rc_invites.per_room", "rc_invites.per_user", "rc_invites.per_issuer",
];

/** The overrides file of every test server. */
export function renderTestOverrides(): string {
  const nested = new Map<string, string[]>();
  const lines = [
    "# Test server only (test/support/server.ts): nothing contacts matrix.org, nothing throttles the suites.",
    "trusted_key_servers: []",
    "suppress_key_server_warning: true",
    "report_stats: false",
  ];
  const limit = "{per_second: 10000, burst_count: 100000}";
  for (const key of relaxedRateLimits) {
    const [parent, child] = key.split(".");
    if (child) nested.set(parent!, [...(nested.get(parent!) ?? []), `  ${child}: ${limit}`]);
    else lines.push(`${parent}: ${limit}`);
  }
  for (const [parent, children] of nested) lines.push(`${parent}:`, ...children);
  return `${lines.join("\n")}\n`;
}


/**
 * `bun test` neither fires process "exit" handlers nor knows about detached
 * daemons, so a detached watchdog waits for this process to end (however it
 * ends), then stops the daemons and deletes the server's files (unless
 * `keepFiles`: a benchmark's server kept for its next run).
 */
export function startWatchdog(paths: Paths, root: string, keepFiles = false): void {
  // Workers first, Redis last of the [scale] processes; then the services (in start order, as ever).
  const scale = [...Array.from({ length: maxWorkers }, (_, index) => `worker${index + 1}`), "redis"].map((name) => scaleDaemon(paths, name));
  const stops = [...scale, ...serviceOrder.map((service) => nativeDaemon(paths, service))].map(({ pidFile, identity }) => {
    // Only a pid whose command line still names this server's file: pids get recycled.
    return `pid=$(head -n1 '${pidFile}' 2>/dev/null) && tr '\\0' ' ' </proc/$pid/cmdline 2>/dev/null | grep -qF '${identity}' && kill -INT $pid && pids="$pids $pid"`;
  });
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done`,
    'pids=""',
    ...stops.map((stop) => `{ ${stop}; } || true`),
    // SIGINT is PostgreSQL's fast shutdown and a clean stop for Synapse and Caddy.
    "for pid in $pids; do n=0; while kill -0 $pid 2>/dev/null && [ $n -lt 100 ]; do sleep 0.2; n=$((n+1)); done; kill -0 $pid 2>/dev/null && kill -KILL $pid; done",
    ...(keepFiles ? [] : [`rm -rf '${root}'`]),
  ].join("\n");
  spawn("sh", ["-c", script], { detached: true, stdio: "ignore" }).unref();
}

