import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { getPriority } from "node:os";
import { join } from "node:path";
import { waitFor } from "../../../src/runtime/health.ts";
import { backgroundNice, backgroundSessionNice, sessionIdFromStat } from "../../../src/runtime/native/priority.ts";
import { runningPid } from "../../../src/runtime/native/process.ts";
import { nativeDaemon } from "../../../src/runtime/native/services.ts";
import { serviceOrder } from "../../../src/runtime/runtime.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { freePort } from "../../support/ports.ts";
import { initTestHome, type TestServer, testServer } from "../../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await testServer();
}, 60_000);
// If a fault test fails half-way, leave the shared server healthy for the suites after this one.
afterAll(() => server.up().then(() => undefined), 60_000);

const whoamiOf = (token: string) => server.http.request<{ user_id: string }>("GET", "/_matrix/client/v3/account/whoami", { token });

describe("mxhome up against the shared native server", () => {
  test("every daemon runs niced and at best-effort IO priority 7, so the desktop wins", () => {
    const expectedNice = Math.min(19, getPriority() + backgroundNice);
    for (const service of serviceOrder) {
      const pid = runningPid(nativeDaemon(server.paths, service))!;
      // /proc/<pid>/stat: field 19 is the nice value; cut after the ")" that ends the command name.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)\s*/, "").split(" ");
      expect({ service, nice: Number(fields[16]) }).toEqual({ service, nice: expectedNice });
      const ioPriority = Bun.spawnSync(["ionice", "-p", String(pid)]).stdout.toString().trim();
      expect({ service, ioPriority }).toEqual({ service, ioPriority: "best-effort: prio 7" });
    }
  });

  // Where the kernel has autogroups (this one does: the figure in priority.ts was measured here), nice
  // counts only inside a session, and each daemon has a session of its own.
  test.skipIf(!existsSync("/proc/self/autogroup"))("every daemon's session is niced too, and mxhome's own is left alone", () => {
    const ownBefore = readFileSync("/proc/self/autogroup", "utf8");
    for (const service of serviceOrder) {
      const pid = runningPid(nativeDaemon(server.paths, service))!;
      expect({ service, session: sessionIdFromStat(readFileSync(`/proc/${pid}/stat`, "utf8")) }).toEqual({ service, session: pid });
      expect({ service, autogroup: readFileSync(`/proc/${pid}/autogroup`, "utf8").trim() }).toEqual({ service, autogroup: expect.stringMatching(new RegExp(`nice ${backgroundSessionNice}$`)) });
    }
    expect(readFileSync("/proc/self/autogroup", "utf8")).toBe(ownBefore);
  });

  test("a second run changes nothing and says so", async () => {
    const report = await server.up();
    expect(report.changed).toBe(false);
    expect(report.plan.actions).toEqual([]);
    expect(report.accounts).toMatchObject({ service: "verified", bot: "verified", admin: "present" });
  }, 30_000);

  test("re-running never creates duplicate accounts", async () => {
    const ids = [server.admin.userId, server.service.userId, server.bot.userId].map((id) => `'${id}'`).join(",");
    expect(await server.sql(`SELECT count(*) FROM users WHERE name IN (${ids})`)).toBe("3");
    expect(await server.adminApi().isServerAdmin(server.service.userId)).toBe(true);
    expect(await server.adminApi().isServerAdmin(server.bot.userId)).toBe(false);
  });

  test("revoked service and bot tokens are repaired by the next up", async () => {
    const revoked = [server.service.accessToken, server.bot.accessToken];
    for (const token of revoked) await server.http.request("POST", "/_matrix/client/v3/logout", { token, body: {} });
    const report = await server.up();
    expect(report.accounts).toMatchObject({ service: "repaired", bot: "repaired" });
    expect(revoked).not.toContain(server.service.accessToken);
    expect((await whoamiOf(server.service.accessToken)).user_id).toBe(server.service.userId);
    expect((await whoamiOf(server.bot.accessToken)).user_id).toBe(server.bot.userId);
    expect(await server.adminApi().isServerAdmin(server.admin.userId)).toBe(true);
  }, 30_000);

  test("credentials left without a token (an interrupted run) are completed, not duplicated", async () => {
    const file = join(server.paths.credentialsDir, "service.json");
    const { accessToken: _dropped, ...withoutToken } = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify(withoutToken), { mode: 0o600 });
    const report = await server.up();
    expect(report.accounts?.service).toBe("repaired");
    expect((await whoamiOf(server.service.accessToken)).user_id).toBe(server.service.userId);
  }, 30_000);

  test("PostgreSQL killed behind mxhome's back: up brings it back, and Synapse answers", async () => {
    const postgres = nativeDaemon(server.paths, "postgres");
    process.kill(runningPid(postgres)!, "SIGKILL");
    // SIGKILL is delivered asynchronously: the kill is "behind mxhome's back" once the process is gone.
    await waitFor(() => runningPid(postgres) === undefined, 5_000);
    const report = await server.up();
    expect(report.plan.actions).toContainEqual({ kind: "start", service: "postgres", reason: "it had stopped unexpectedly" });
    expect(runningPid(postgres)).toBeNumber();
    expect((await server.adminApi().user(server.admin.userId))?.admin).toBe(true);
  }, 60_000);

  test("secrets stay out of argv and files stay private", async () => {
    const secrets = Object.values(server.paths.secrets).map((file) => readFileSync(file, "utf8").trim().split(" ").pop()!);
    for (const service of serviceOrder) {
      const cmdline = readFileSync(`/proc/${runningPid(nativeDaemon(server.paths, service))}/cmdline`, "utf8");
      for (const secret of secrets) expect(cmdline).not.toContain(secret);
    }
    for (const name of readdirSync(server.paths.credentialsDir)) {
      expect(statSync(join(server.paths.credentialsDir, name)).mode & 0o777).toBe(0o600);
    }
  });
});

describe("mxhome up when a service cannot start", () => {
  let squatter: Server;
  afterAll(() => squatter?.close());

  test("Synapse's port is taken: a clear error before anything changes", async () => {
    const port = await freePort();
    squatter = createServer().listen(port, "127.0.0.1");
    const home = await initTestHome({ configure: (config) => (config.network.synapse_port = port) });
    const error = (await home.up().catch((caught) => caught)) as MxError;
    expect(error).toBeInstanceOf(MxError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(`port ${port}`);
    expect(error.hint).toContain("network.synapse_port");
    // The fix is printed once (as the hint), not also in the message.
    expect(`${error.message}\n${error.hint}`.split("network.synapse_port").length - 1).toBe(1);
    // Nothing started, no database cluster created.
    for (const service of serviceOrder) expect(runningPid(nativeDaemon(home.paths, service))).toBeUndefined();
    expect(readdirSync(home.paths.dataDir)).not.toContain("postgres");
  }, 30_000);

  test("Synapse exits while starting: its last log lines and a hint, exit 1", async () => {
    const home = await initTestHome();
    appendFileSync(home.paths.synapseOverridesFile, 'max_upload_size: "a lot"\n');
    const error = (await home.up().catch((caught) => caught)) as MxError;
    await home.down();
    expect(error).toBeInstanceOf(MxError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("Synapse exited while starting");
    expect(error.message).toContain("max_upload_size");
    expect(error.hint).toContain("synapse.log");
  }, 60_000);
});
