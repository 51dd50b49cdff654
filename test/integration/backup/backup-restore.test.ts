/**
 * `mxhome backup` and `mxhome restore` against a real native Synapse and
 * PostgreSQL: a throwaway server is filled, backed up with media and
 * encryption, destroyed, and restored into a new HOME on other ports.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBotSession, loadServiceSession } from "../../../src/accounts/index.ts";
import { lastBackup } from "../../../src/backup/last.ts";
import { passphraseSource } from "../../../src/backup/passphrase.ts";
import { runBackup } from "../../../src/backup/run-backup.ts";
import { type RestoreOptions, runRestore } from "../../../src/backup/run-restore.ts";
import { archiveFileName } from "../../../src/backup/naming.ts";
import { type Paths, resolvePaths } from "../../../src/config/paths.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { runDown } from "../../../src/runtime/down.ts";
import { whoami } from "../../../src/synapse/client.ts";
import { createSynapseHttp, type SynapseHttp } from "../../../src/synapse/http.ts";
import { ledgerFile, openLedger } from "../../../src/kick/ledger.ts";
import { readRunRecord, writeRunRecord } from "../../../src/state/runs.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { setQuiet, setVerbose } from "../../../src/ui/logger.ts";
import { runMxhome } from "../../support/binary.ts";
import { freePort } from "../../support/ports.ts";
import { startWatchdog } from "../../support/watchdog.ts";
import { startTestServer, type TestServer, type TestUser } from "../../support/server.ts";
import { type Fixture, seedFixture } from "./_fixture.ts";

const passphrase = "correct horse battery staple";
const timerBinary = "/usr/local/bin/mxhome";

let source: TestServer;
let work: string;
let archive: string;
let fixture: Fixture;
let sourceKeys: Record<string, { key: string }>;
const homes: { root: string; paths: Paths }[] = [];

function newHome(): Paths {
  const root = mkdtempSync(join(tmpdir(), "mxhome-restore-"));
  const paths = resolvePaths({ HOME: join(root, "home") });
  startWatchdog(root);
  homes.push({ root, paths });
  return paths;
}

async function restoreOptions(file: string, overrides: Partial<RestoreOptions> = {}): Promise<RestoreOptions> {
  const secretFile = join(work, "passphrase");
  return {
    archive: file,
    force: false,
    dryRun: false,
    passphrase: passphraseSource({ file: secretFile, creating: false }),
    ports: { synapse_port: await freePort(), caddy_port: await freePort(), postgres_port: await freePort() },
    mxhomeBinary: timerBinary,
    onTerminal: false,
    ...overrides,
  };
}

async function refusal(work: Promise<unknown>): Promise<MxError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MxError);
  return error as MxError;
}

/** Nothing of a server was written under this HOME. */
function untouched(paths: Paths): void {
  for (const path of [paths.configFile, paths.dataDir, paths.stateDir, paths.secretsDir]) expect(existsSync(path)).toBe(false);
  const share = join(paths.dataDir, "..");
  expect(existsSync(share) ? readdirSync(share) : []).toEqual([]);
}

const keysOf = async (http: SynapseHttp) =>
  (await http.request<{ verify_keys: Record<string, { key: string }> }>("GET", "/_matrix/key/v2/server")).verify_keys;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mxhome-backup-work-"));
  writeFileSync(join(work, "passphrase"), `${passphrase}\n`, { mode: 0o600 });
  source = await startTestServer({ serverName: "backup.test" });
  setQuiet(true); // after the test server, which resets the log level when it is done
  fixture = await seedFixture(source);
  sourceKeys = await keysOf(source.http);
  // What a server that has run for a while holds besides: job run records, a kick ledger, and the
  // admin's first password that `up` wrote for the user to read and delete.
  const run = { startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), ok: true };
  writeRunRecord(source.paths, { command: "purge", ...run, summary: "removed 12 events" });
  writeRunRecord(source.paths, { command: "kick", ...run, summary: "observed 3 rooms, 7 events" });
  openLedger(ledgerFile(source.paths), Date.now(), false).store.close();
  writeFileSync(join(source.paths.credentialsDir, "admin-initial-password"), "first-password-1\n", { mode: 0o600 });
  // ...and a person's, from `mxhome user add` / `user password`, not yet handed over.
  writeFileSync(join(source.paths.credentialsDir, "alice-initial-password"), "first-password-2\n", { mode: 0o600 });
  writeFileSync(join(source.paths.credentialsDir, "alice-new-password"), "new-password-3\n", { mode: 0o600 });
  const report = await runBackup(source.paths, source.config, { to: work, includeMedia: true, encrypt: true, passphrase });
  archive = report.archive;
}, 120_000);

afterAll(async () => {
  for (const home of homes) {
    if (existsSync(home.paths.configFile)) await runDown(home.paths, loadConfig(home.paths.configFile), { dryRun: false, mxhomeBinary: timerBinary }).catch(() => {});
    rmSync(home.root, { recursive: true, force: true });
  }
  await source?.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
  setVerbose(false);
}, 60_000);

describe("mxhome backup", () => {
  test("writes one encrypted archive, mode 0600, and a run record status and doctor read", () => {
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect(readFileSync(archive).subarray(0, 8).toString("latin1")).toBe("MXHENC01");
    const last = lastBackup(source.paths, source.config);
    expect(last.newest?.file).toBe(archive);
    expect(last.newest?.encrypted).toBe(true);
    expect(last.ageDays).toBe(0);
    expect(readRunRecord(source.paths, "backup")?.ok).toBe(true);
  });
});

describe("mxhome restore refuses, before anything is touched", () => {
  test.each([
    ["a truncated archive", (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2)), "backup.corrupt"],
    ["an altered archive", (bytes: Buffer) => (bytes[bytes.length - 3000]! ^= 0x40, bytes), "backup.corrupt"],
  ])("%s", async (_name, alter, code) => {
    const copy = join(work, `altered-${code}-${Math.random()}.tar.enc`);
    writeFileSync(copy, alter(Buffer.from(readFileSync(archive))));
    const paths = newHome();
    expect((await refusal(runRestore(paths, await restoreOptions(copy)))).code).toBe(code);
    untouched(paths);
  }, 60_000);

  test("a wrong passphrase", async () => {
    const wrong = join(work, "wrong");
    writeFileSync(wrong, "not the passphrase\n", { mode: 0o600 });
    const paths = newHome();
    const options = await restoreOptions(archive, { passphrase: passphraseSource({ file: wrong, creating: false }) });
    expect((await refusal(runRestore(paths, options))).code).toBe("backup.wrong-passphrase");
    untouched(paths);
  }, 60_000);

  test("a running server, without --force (exit 2)", async () => {
    const before = readFileSync(source.paths.configFile, "utf8");
    const error = await refusal(runRestore(source.paths, await restoreOptions(archive)));
    expect(error.code).toBe("restore.existing-server");
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain("--force");
    expect(readFileSync(source.paths.configFile, "utf8")).toBe(before);
    expect((await source.http.request<{ server_version: string }>("GET", "/_synapse/admin/v1/server_version")).server_version).toBeString();
  }, 60_000);

  test("--dry-run verifies the archive and prints the plan, changing nothing", async () => {
    const paths = newHome();
    const report = await runRestore(paths, await restoreOptions(archive, { dryRun: true }));
    expect(report.from.serverName).toBe("backup.test");
    expect(report.from.includes).toEqual({ database: true, media: true });
    expect(report.plan.steps.map((step) => step.kind)).toEqual(["write-config", "write-secrets", "write-state", "start-database", "load-database", "restore-media", "up"]);
    untouched(paths);
  }, 60_000);
});

describe("the compiled binary", () => {
  const homeOf = (paths: Paths) => join(paths.configDir, "..", "..");

  test("backup --to a relative directory means from where the command runs, and the archive is named in full", () => {
    const result = runMxhome(["backup", "--to", "relative-dir", "--dry-run", "--json"], { home: homeOf(source.paths), cwd: work });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).archive.startsWith(`${join(work, "relative-dir")}/`)).toBe(true);
  });

  test("backup --json: one document on stdout, progress on stderr, the oldest archive beyond [backup] keep pruned", () => {
    const dir = mkdtempSync(join(work, "cli-"));
    const old = [40, 30, 20, 10].map((days) => archiveFileName("backup.test", new Date(Date.now() - days * 86_400_000), { encrypted: false }));
    for (const file of [...old, "notes.txt"]) writeFileSync(join(dir, file), "old");
    const result = runMxhome(["backup", "--to", dir, "--json"], { home: homeOf(source.paths) });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, command: "backup", encrypted: false, includes: { database: true, media: false } });
    expect(report.pruned).toEqual([join(dir, old[0]!)]);
    expect(readdirSync(dir).sort()).toEqual([...old.slice(1), "notes.txt", report.archive.slice(dir.length + 1)].sort());
    expect(result.stderr).toContain("Dumping Synapse's database");
    // A plain archive is a POSIX tar: recoverable with `tar -xf` alone, manifest last.
    const listing = Bun.spawnSync(["tar", "-tf", report.archive]).stdout.toString().trim().split("\n");
    expect(listing[0]).toBe("database/synapse.pgdump");
    expect(listing).toContain("secrets/signing.key");
    expect(listing.at(-1)).toBe("manifest.json");
    expect(result.stdout + result.stderr).not.toContain(readFileSync(source.paths.secrets.postgresPassword, "utf8").trim());
    // The jobs' run records travel ("Last runs" survives a restore); up's, like the rest of machine state, don't.
    expect(listing).toEqual(expect.arrayContaining(["state/runs/purge.json", "state/runs/kick.json", "state/runs/backup.json", "state/kick/ledger.sqlite"]));
    expect(listing.filter((member) => member.startsWith("state/runs/up") || member.startsWith("state/native/") || member.startsWith("state/logs/"))).toEqual([]);
    // Generated passwords waiting to be handed over are left out, and the report names each.
    expect(listing.filter((member) => member.endsWith("-password"))).toEqual([]);
    expect(report.leftOut.sort()).toEqual(["admin-initial-password", "alice-initial-password", "alice-new-password"].map((name) => join(source.paths.credentialsDir, name)));
    // Inside the archive too, secrets, credentials and the kick ledger are 0600.
    const modes = Bun.spawnSync(["tar", "-tvf", report.archive]).stdout.toString().trim().split("\n").map((line) => line.split(/\s+/));
    const privateMembers = modes.filter((fields) => /^(secrets|state)\//.test(fields.at(-1)!));
    expect(privateMembers.length).toBeGreaterThan(5);
    for (const fields of privateMembers) expect(`${fields[0]} ${fields.at(-1)}`).toBe(`-rw------- ${fields.at(-1)}`);
  }, 60_000);

  test("backup --encrypt with no terminal and no passphrase file is a usage error", () => {
    const result = runMxhome(["backup", "--encrypt", "--to", work], { home: homeOf(source.paths) });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--passphrase-file");
  }, 30_000);

  test("restore over the running server without --force: exit 2", () => {
    const result = runMxhome(["restore", archive, "--passphrase-file", join(work, "passphrase")], { home: homeOf(source.paths) });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("There is already a homeserver here");
  }, 30_000);

  test("restore --dry-run into an empty HOME: the archived ports are the running server's, so other ones are asked for", async () => {
    const paths = newHome();
    mkdirSync(homeOf(paths));
    const args = ["restore", archive, "--dry-run", "--passphrase-file", join(work, "passphrase")];
    const taken = runMxhome(args, { home: homeOf(paths) });
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toContain(`mxhome restore ${archive} --synapse-port <free port> --caddy-port <free port> --postgres-port <free port>`);
    const ports = ["--synapse-port", `${await freePort()}`, "--caddy-port", `${await freePort()}`, "--postgres-port", `${await freePort()}`];
    const result = runMxhome([...args, ...ports], { home: homeOf(paths) });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("every checksum matches, passphrase correct");
    expect(result.stdout).toContain("7. run `mxhome up`");
    untouched(paths);
  }, 30_000);
});

describe("after the server is destroyed, a restore into a new HOME", () => {
  let restored: Paths;
  let http: SynapseHttp;

  beforeAll(async () => {
    await source.stop(); // its data dir, with the database cluster, is deleted
    setQuiet(true);
    restored = newHome();
    const report = await runRestore(restored, await restoreOptions(archive));
    http = createSynapseHttp(report.endpoints!.synapse);
  }, 120_000);

  test("the same accounts log in with their passwords", async () => {
    for (const user of [fixture.alice, fixture.bob]) {
      const login = await http.request<{ user_id: string }>("POST", "/_matrix/client/v3/login", {
        body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password },
      });
      expect(login.user_id).toBe(user.userId);
    }
  }, 30_000);

  test("the Space, its rooms and their messages are there", async () => {
    const token = (await loginAs(http, fixture.alice)).accessToken;
    const hierarchy = await http.request<{ rooms: { room_id: string }[] }>("GET", `/_matrix/client/v1/rooms/${encodeURIComponent(fixture.spaceId)}/hierarchy`, { token });
    expect(hierarchy.rooms.map((room) => room.room_id).sort()).toEqual([fixture.spaceId, ...fixture.rooms.map((r) => r.roomId)].sort());
    for (const room of fixture.rooms) {
      const page = await http.request<{ chunk: { type: string; content: { body?: string } }[] }>(
        "GET",
        `/_matrix/client/v3/rooms/${encodeURIComponent(room.roomId)}/messages`,
        { token, query: { dir: "b", limit: 100 } },
      );
      const bodies = page.chunk.filter((event) => event.type === "m.room.message").map((event) => event.content.body);
      expect(bodies.sort()).toEqual([...room.messages].sort());
    }
  }, 30_000);

  test("/_matrix/key/v2/server shows the same key id and key", async () => {
    expect(await keysOf(http)).toEqual(sourceKeys);
  });

  test("the upload downloads, byte for byte", async () => {
    const token = (await loginAs(http, fixture.bob)).accessToken;
    const response = await fetch(`${http.baseUrl}/_matrix/client/v1/media/download/${fixture.upload.mxc.slice("mxc://".length)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(fixture.upload.bytes)).toBe(true);
  }, 30_000);

  test("secrets come back 0600, and mxhome's own accounts still work", async () => {
    expect(statSync(restored.secrets.signingKey).mode & 0o777).toBe(0o600);
    expect(statSync(restored.secretsDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(restored.secrets.signingKey, "utf8")).toBe(fixture.signingKey);
    for (const session of [loadServiceSession(restored), loadBotSession(restored)]) {
      expect(await whoami(http, session.accessToken)).toBe(session.userId);
    }
    expect(readRunRecord(restored, "restore")?.ok).toBe(true);
  }, 30_000);

  test("\"Last runs\" survives, and the admin's first password is not brought back", async () => {
    const status = await gatherStatus({ paths: restored });
    if (!status.configured) throw new Error("the restored server is configured");
    expect(status.lastRuns.purge?.summary).toBe("removed 12 events");
    expect(status.lastRuns.kick?.summary).toBe("observed 3 rooms, 7 events");
    expect(status.backup.restoredFrom?.archive).toBe(archive);
    expect(existsSync(join(restored.credentialsDir, "admin-initial-password"))).toBe(false);
    expect(existsSync(join(restored.credentialsDir, "alice-initial-password"))).toBe(false);
    expect(statSync(ledgerFile(restored)).mode & 0o777).toBe(0o600);
  }, 30_000);

  test("restoring over it again needs --force, then backs it up first and brings it back", async () => {
    // The archive's mxhome.toml names the old server's ports; keep the ones this restore moved to.
    const { synapse_port, caddy_port, postgres_port } = loadConfig(restored.configFile).network;
    const options = await restoreOptions(archive, { force: true, ports: { synapse_port, caddy_port, postgres_port } });
    const report = await runRestore(restored, options);
    expect(report.safetyBackup).toMatch(/-pre-restore\.tar$/);
    expect(statSync(report.safetyBackup!).mode & 0o777).toBe(0o600);
    expect(await keysOf(http)).toEqual(sourceKeys);
    await loginAs(http, fixture.alice);
  }, 60_000);
});

async function loginAs(http: SynapseHttp, user: TestUser): Promise<{ accessToken: string }> {
  const login = await http.request<{ access_token: string }>("POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password },
  });
  return { accessToken: login.access_token };
}
