/**
 * What a test server needs besides mxhome itself: Synapse settings only test
 * servers get (written to the overrides file before `init`, which never
 * rewrites it; the e2e test of the binary and bench/up.ts use them too). The
 * watchdog that removes the server after the test process is ./watchdog.ts.
 */

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

