/**
 * `mxhome user` through the CLI against the real Synapse: accounts made,
 * listed, given new passwords and deactivated with mxhome's service admin,
 * and every refusal (exit 2) leaving the server exactly as it was.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { statSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { UserRow } from "../../../src/accounts/users.ts";
import { loginWithPassword, whoami } from "../../../src/synapse/client.ts";
import { convergeSpace } from "../../../src/space/converge.ts";
import { readSpaceState } from "../../../src/space/state.ts";
import { repoRoot } from "../../support/components.ts";
import { testServer, type TestServer } from "../../support/server.ts";

let server: TestServer;
let home: string;
beforeAll(async () => {
  server = await testServer();
  home = join(server.paths.configDir, "..", "..");
}, 120_000);

function cli(args: string[], stdin?: string) {
  const env: Record<string, string | undefined> = { ...process.env, HOME: home, NO_COLOR: "1" };
  for (const key of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "MXHOME_CONFIG"]) delete env[key];
  const result = Bun.spawnSync([process.execPath, join(repoRoot, "src", "cli.ts"), "user", ...args], { env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin) });
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

const id = (localpart: string) => `@${localpart}:${server.serverName}`;
const accountCount = () => server.sql("SELECT count(*) FROM users");
const canLogIn = (localpart: string, password: string) =>
  loginWithPassword(server.http, id(localpart), password).then(
    () => true,
    () => false,
  );
const listed = (): UserRow[] => JSON.parse(cli(["list", "--json"]).stdout).users;
const passwordFile = (password: string) => {
  const file = join(home, `pw-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
};

describe("mxhome user add", () => {
  test("creates an account with the password from a file, or from stdin", async () => {
    const added = cli(["add", "alice", "--password-file", passwordFile("alice-password-1")]);
    expect(added.stderr).toBe("");
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toContain(`Created ${id("alice")}.`);
    expect(added.stdout).not.toContain("alice-password-1");
    expect(await canLogIn("alice", "alice-password-1")).toBe(true);
    expect(cli(["add", "bob", "--password-file", "-"], "bob-password-1\n").exitCode).toBe(0);
    expect(await canLogIn("bob", "bob-password-1")).toBe(true);
    expect((await server.adminApi().user(id("bob")))!.admin).toBe(false);
  }, 60_000);

  test("without a password generates one; with --json it goes to a 0600 file, never stdout", async () => {
    const added = cli(["add", "carol", "--admin", "--json"]);
    expect(added.exitCode).toBe(0);
    const report = JSON.parse(added.stdout);
    expect(report).toMatchObject({ command: "user add", userId: id("carol"), admin: true, generated: true });
    expect(statSync(report.passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(report.passwordFile, "utf8").trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(added.stdout).not.toContain(password);
    expect(await canLogIn("carol", password)).toBe(true);
    expect((await server.adminApi().user(id("carol")))!.admin).toBe(true);
  }, 60_000);

  test("an existing account, a name Synapse refuses, or --invite without a Space: exit 2, nothing created", async () => {
    const before = await accountCount();
    const existing = cli(["add", "alice", "--password-file", passwordFile("another-password")]);
    expect(existing.exitCode).toBe(2);
    expect(existing.stderr).toContain(`${id("alice")} already exists`);
    expect(await canLogIn("alice", "alice-password-1")).toBe(true);
    for (const [name, why] of [["Alice", "a-z, 0-9"], ["_bridge", "may not begin with _"], ["12345", "reserved for guest"], ["a b", "a-z, 0-9"], [`@x:elsewhere.org`, "not on this server"]] as const) {
      const refused = cli(["add", name]);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain(why);
    }
    const noSpace = cli(["add", "dora", "--invite"]);
    expect(noSpace.exitCode).toBe(2);
    expect(noSpace.stderr).toContain("space create");
    expect(await accountCount()).toBe(before);
  }, 60_000);

  test("--invite invites the new account to the Space", async () => {
    await convergeSpace(server.paths, server.config, { space: { name: "Home" }, rooms: [], dryRun: false });
    const added = cli(["add", "dora", "--invite", "--password-file", passwordFile("dora-password-1")]);
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toContain("Invited to the Space: https://matrix.to/#/");
    const spaceId = readSpaceState(server.paths)!.spaceId;
    const member = await server.adminApi().request<{ members: string[] }>("GET", `/_synapse/admin/v1/rooms/${encodeURIComponent(spaceId)}/members`);
    expect(member.members).not.toContain(id("dora")); // invited, not joined
    expect(await server.sql(`SELECT membership FROM room_memberships WHERE room_id = '${spaceId}' AND user_id = '${id("dora")}'`)).toBe("invite");
  }, 60_000);
});

describe("mxhome user list", () => {
  test("shows admin, deactivated, last seen and devices, with mxhome's own accounts marked", async () => {
    const session = await loginWithPassword(server.http, id("alice"), "alice-password-1");
    const devices = (await server.adminApi().request<{ total: number }>("GET", `/_synapse/admin/v2/users/${encodeURIComponent(id("alice"))}/devices`)).total;
    // Synapse records client requests in batches every few seconds; last seen appears after one.
    await whoami(server.http, session.accessToken);
    let rows = listed();
    for (let tries = 0; !rows.find((user) => user.userId === id("alice"))?.lastSeen && tries < 40; tries++) {
      await Bun.sleep(250);
      rows = listed();
    }
    const row = (localpart: string) => rows.find((user) => user.userId === id(localpart));
    expect(row("alice")).toMatchObject({ admin: false, deactivated: false, devices });
    expect(row("alice")!.lastSeen).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(row("carol")).toMatchObject({ admin: true });
    expect(row("mxhome")).toMatchObject({ admin: true, mxhome: "service" });
    expect(row("mxhome-bot")).toMatchObject({ mxhome: "bot" });
    expect(row("admin")).toMatchObject({ admin: true, mxhome: "admin_user" });
    expect(row("alice")!.mxhome).toBeUndefined();
    const text = cli(["list"]).stdout;
    expect(text).toMatch(/^USER\s+FLAGS\s+LAST SEEN \(UTC\)\s+DEVICES\s+MXHOME$/m);
    expect(text).toMatch(new RegExp(`^@mxhome-bot:${server.serverName}\\s.*mxhome bot$`, "m"));
  }, 60_000);
});

describe("mxhome user password", () => {
  test("sets a new password and signs out every device; --keep-devices leaves them", async () => {
    const devices = async (localpart: string) => (await server.adminApi().request<{ total: number }>("GET", `/_synapse/admin/v2/users/${encodeURIComponent(id(localpart))}/devices`)).total;
    expect(await devices("alice")).toBeGreaterThan(0);
    const changed = cli(["password", "alice", "--password-file", passwordFile("alice-password-2")]);
    expect(changed.exitCode).toBe(0);
    expect(changed.stdout).toContain("device(s) signed out");
    expect(await devices("alice")).toBe(0);
    expect(await canLogIn("alice", "alice-password-1")).toBe(false);
    expect(await canLogIn("alice", "alice-password-2")).toBe(true);
    const kept = cli(["password", `@alice:${server.serverName}`, "--keep-devices", "--password-file", passwordFile("alice-password-3")]);
    expect(kept.exitCode).toBe(0);
    expect(await devices("alice")).toBe(1);
    expect(await canLogIn("alice", "alice-password-3")).toBe(true);
  }, 60_000);

  test("an unknown account: exit 2", () => {
    const unknown = cli(["password", "nobody", "--password-file", passwordFile("whatever-password")]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain(`There is no account ${id("nobody")}`);
  });
});

describe("mxhome user deactivate", () => {
  test("refuses mxhome's own accounts, unknown accounts, and asks for --yes without a terminal", async () => {
    for (const [name, why] of [["mxhome", "service admin"], ["mxhome-bot", "kick bot"], ["admin", "admin_user"]] as const) {
      const refused = cli(["deactivate", name, "--yes"]);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain(why);
    }
    expect(cli(["deactivate", "nobody", "--yes"]).exitCode).toBe(2);
    const unconfirmed = cli(["deactivate", "bob"]);
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.stderr).toContain("--yes");
    expect((await server.adminApi().user(id("bob")))!.deactivated).toBe(false);
  }, 60_000);

  test("deactivates (and with --erase erases) an account; list shows it", async () => {
    expect(cli(["deactivate", "bob", "--yes"]).exitCode).toBe(0);
    expect(cli(["deactivate", "alice", "--erase", "--yes", "--json"]).stdout).toContain('"erased": true');
    expect(await canLogIn("bob", "bob-password-1")).toBe(false);
    expect(await server.adminApi().request<{ erased: boolean }>("GET", `/_synapse/admin/v2/users/${encodeURIComponent(id("alice"))}`)).toMatchObject({ deactivated: true, erased: true });
    expect(listed().find((user) => user.userId === id("bob"))).toMatchObject({ deactivated: true, devices: 0 });
    const again = cli(["add", "bob", "--password-file", passwordFile("bob-password-2")]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("deactivated");
  }, 60_000);
});
