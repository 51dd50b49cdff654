import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { mxhomeBinary, runMxhome } from "../support/binary.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { buildCommunity, type Community, joinCommunity, membersEverywhere } from "../integration/kick/_support.ts";

/**
 * The compiled binary's `kick` against a throwaway server: flags, exit codes,
 * the one JSON document, the timer's command lines. The behaviour itself is
 * in test/integration/kick.
 */
let server: TestServer;
let home = "";
let community: Community;
let idle: TestUser;
const mxhome = (...args: string[]) => runMxhome(["kick", ...args], { home });
const farFuture = () => new Date(Date.now() + 400 * 86_400_000).toISOString();

beforeAll(async () => {
  mxhomeBinary(); // built once, here, where a minute is allowed
  server = await startTestServer();
  home = dirname(dirname(server.paths.configDir));
}, 180_000);
afterAll(() => server?.stop(), 60_000);

describe("mxhome kick (binary)", () => {
  test("--help lists its flags", () => {
    const result = mxhome("--help");
    expect(result.exitCode).toBe(0);
    for (const flag of ["--observe", "--apply", "--setup", "--as-of", "--max", "--revoke-invites", "--dry-run", "--json"]) expect(result.stdout).toContain(flag);
  });

  test("bad flags are usage errors (exit 2)", () => {
    expect(mxhome("--as-of", "someday").exitCode).toBe(2);
    expect(mxhome("--observe", "--apply").exitCode).toBe(2);
    expect(mxhome("--max", "many").stderr).toContain("--max many is not a whole number");
  });

  test("before any Space exists there is nothing to do, and it says so", () => {
    const result = mxhome("--observe");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("no Space was created yet");
  });

  test("the timer's two lines work: --observe, then the preview (apply = false)", async () => {
    community = await buildCommunity(server, ["General"]);
    idle = await server.createUser(`idle-${Date.now().toString(36)}`);
    await joinCommunity(server, community, idle, [community.rooms.General!]);
    const observe = mxhome("--observe");
    expect(observe.exitCode).toBe(0);
    expect(observe.stdout).toContain("Kick: observe");
    const preview = mxhome("--json");
    expect(preview.exitCode).toBe(0);
    const document = JSON.parse(preview.stdout);
    expect(document).toMatchObject({ schemaVersion: 1, command: "kick", mode: "preview", applied: false, proposals: [] });
    expect(document.ledger.state).toBe("opened");
  }, 60_000);

  test("--apply off a terminal without --yes refuses (exit 2) and removes nobody", async () => {
    const before = await membersEverywhere(server, community);
    const asOf = farFuture();
    const result = mxhome("--apply", "--as-of", asOf, "--max", "5");
    expect(result.exitCode).toBe(2);
    // The hint is this very command plus --yes: followed literally, it decides the same.
    expect(result.stderr).toContain(`hint: mxhome kick --apply --as-of ${asOf} --max 5 --yes`);
    expect(await membersEverywhere(server, community)).toEqual(before);
  }, 30_000);

  test("--apply --yes removes; the text says who, from where", async () => {
    const result = mxhome("--apply", "--yes", "--as-of", farFuture(), "--max", "5");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Removed 1 of 1 members:`);
    expect(result.stdout).toContain(`OK ${idle.userId} removed from General`);
    expect(result.stdout).toContain(`OK ${idle.userId} removed from Family`);
    const after = await membersEverywhere(server, community);
    for (const members of Object.values(after)) expect(members).not.toContain(idle.userId);
  }, 30_000);
});
