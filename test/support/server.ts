/**
 * The shared test server: one real native homeserver (PostgreSQL, Synapse,
 * Caddy) per `bun test` process, brought up by the real `init` and `up` code
 * paths. Suites that need a server call `testServer()`; the first call
 * starts it (about 5 s), later calls reuse it. It stops after the process
 * exits. Suites that break a server on purpose start their own with
 * `startTestServer()` and stop it themselves.
 *
 * bun's default 5 s per test is too short for the first start, so start it
 * in a hook with its own timeout:
 *
 *   let server: TestServer;
 *   beforeAll(async () => { server = await testServer(); }, 60_000);
 *
 *   const alice = await server.createUser("alice");
 *   await server.adminApi().request("GET", "/_synapse/admin/v1/rooms");
 *   await server.sql("SELECT count(*) FROM users");
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBotSession, loadServiceSession } from "../../src/accounts/index.ts";
import { loadConfig } from "../../src/config/load.ts";
import { defaultConfig, renderConfigToml } from "../../src/config/render-toml.ts";
import { type Paths, resolvePaths } from "../../src/config/paths.ts";
import type { Config } from "../../src/config/schema.ts";
import { writeFileAtomic } from "../../src/io/fs.ts";
import { runInit } from "../../src/init/run.ts";
import { runDown } from "../../src/runtime/down.ts";
import { describePostgresCluster, runSql, synapseDatabaseName } from "../../src/runtime/native/postgres.ts";
import { tailLog } from "../../src/runtime/native/process.ts";
import { runUp, type UpOptions, type UpReport } from "../../src/runtime/up.ts";
import { synapseAdmin, type SynapseAdmin } from "../../src/synapse/admin.ts";
import type { Session } from "../../src/synapse/client.ts";
import { createSynapseHttp, type SynapseHttp } from "../../src/synapse/http.ts";
import { MxError } from "../../src/ui/errors.ts";
import { setQuiet, setVerbose } from "../../src/ui/logger.ts";
import { components } from "./components.ts";
import { freePort } from "./ports.ts";
import { renderTestOverrides } from "./server-setup.ts";
import { startWatchdog } from "./watchdog.ts";

export interface TestUser extends Session {
  password: string;
}

export interface TestServer {
  serverName: string;
  /** Every file of this server: its own HOME, so nothing touches the test process's. */
  paths: Paths;
  config: Config;
  /** Caddy: the public entry, where Funnel would forward (well-known, /_matrix). */
  publicUrl: string;
  /** Synapse's own listener: the client API and the admin API. */
  synapseUrl: string;
  /** The human admin `up` created, with the password it was given. */
  admin: { userId: string; password: string };
  /** mxhome's service admin; read from disk each time, so a token `up` repaired is seen. */
  readonly service: Session;
  /** The kick bot; read from disk each time. */
  readonly bot: Session;
  /** Unauthenticated transport to Synapse (honours 429s); pass `token` per request. */
  http: SynapseHttp;
  /** The admin API as mxhome's service account. */
  adminApi(): SynapseAdmin;
  /** A fresh local user with a token (admin API: no registration, no login rate limit). */
  createUser(localpart?: string, options?: { admin?: boolean; displayname?: string }): Promise<TestUser>;
  /** SQL as the cluster's superuser through the native psql; rows tab-separated, one per line. */
  sql(query: string, database?: string): Promise<string>;
  /** An empty database with Synapse's collation, e.g. to restore a dump into. */
  createScratchDatabase(): Promise<string>;
  /** Runs `mxhome up` again in-process (after editing mxhome.toml, say); catch-up only when asked. */
  up(options?: Pick<UpOptions, "catchUp">): Promise<UpReport>;
  /** `mxhome down` in-process: the data stays, `up` starts it again. */
  down(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  serverName?: string;
  /** Change mxhome.toml before init and the first up. */
  configure?: (config: Config) => void;
  /** More Synapse settings (YAML, appended to the test overrides; top-level keys they lack), given the final config. */
  synapseOverrides?: (config: Config) => string;
  /** Leave the daemons' output on stderr (also: MXHOME_TEST_VERBOSE=1). */
  verbose?: boolean;
  /**
   * Keep the server in this directory across processes (benchmarks that seed
   * once): a home already there is started as it is, with its own ports and
   * server name (the options above then play no part), and `stop` leaves it.
   */
  keepIn?: string;
}

const adminPassword = "test-admin-password-1";
const mxhomeBinaryForTimers = "/usr/local/bin/mxhome";
let userCounter = 0;

/** A HOME with mxhome.toml, the test overrides and `init` done, but nothing started; `up`/`down` run in-process. */
export interface TestHome {
  root: string;
  paths: Paths;
  config: Config;
  /** `mxhome up` in-process, mxhome.toml reloaded each time (edit it, then call this). */
  up(options?: Pick<UpOptions, "catchUp">): Promise<UpReport>;
  down(): Promise<void>;
}

/**
 * A service that failed to start: bun prints the message only, not the hint naming the log, and the
 * watchdog deletes the log with the server. So the message gets the hint and every service's log tail.
 *
 * One cause is the test runner itself: when a hook or test times out, `bun test` kills the child
 * processes it left running ("killed N dangling processes"), and the daemons an in-process `up`
 * starts are this process's children. A first start slower than its `beforeAll`'s timeout (a busy
 * machine) then ends as "Synapse exited while starting (killed by SIGTERM)" with an empty log.
 */
export function withServiceLogs(error: unknown, paths: Paths): unknown {
  if (!(error instanceof MxError) || !error.code.endsWith("-start-failed")) return error;
  const logs = existsSync(paths.logDir) ? readdirSync(paths.logDir).filter((name) => name.endsWith(".log")).sort() : [];
  const tails = logs.map((name) => `--- ${name}, last lines ---\n${tailLog(join(paths.logDir, name), 40) || "(empty)"}`);
  const timedOut = /\(killed by SIGTERM\)/.test(error.message)
    ? "If bun printed \"killed N dangling processes\" just before: a hook or test timed out while this server started, and bun killed its daemons. Give that beforeAll more time."
    : "";
  error.message = [error.message, timedOut, error.hint ? `hint: ${error.hint}` : "", ...tails].filter(Boolean).join("\n");
  return error;
}

/** Native runtime, free ports, the provisioned Synapse/PostgreSQL/Caddy; cleaned up after the process exits. */
export async function initTestHome(options: TestServerOptions = {}): Promise<TestHome> {
  const root = options.keepIn ?? mkdtempSync(join(tmpdir(), "mxhome-server-"));
  const paths = resolvePaths({ HOME: join(root, "home") });
  const kept = options.keepIn !== undefined && existsSync(paths.configFile);
  const config = kept ? loadConfig(paths.configFile) : await newTestConfig(paths, options);
  startWatchdog(root, { keepFiles: options.keepIn !== undefined });

  const quiet = !(options.verbose || process.env.MXHOME_TEST_VERBOSE);
  const quietly = async <T>(work: () => T | Promise<T>): Promise<T> => {
    if (quiet) setQuiet(true);
    try {
      return await work();
    } finally {
      if (quiet) setVerbose(false);
    }
  };
  if (!kept) await quietly(() => runInit(paths, { answers: {}, force: false, dryRun: false, mxhomeBinary: mxhomeBinaryForTimers }));
  const upOptions = { dryRun: false, force: false, onTerminal: false, mxhomeBinary: mxhomeBinaryForTimers };
  return {
    root,
    paths,
    config,
    up: (extra = {}) =>
      quietly(() => runUp(paths, loadConfig(paths.configFile), { ...upOptions, ...extra, adminPassword: { kind: "given", password: adminPassword } })).catch((error: unknown) => {
        throw withServiceLogs(error, paths);
      }),
    down: () => quietly(() => runDown(paths, loadConfig(paths.configFile), upOptions)).then(() => undefined),
  };
}

/** mxhome.toml (native runtime, free ports, the provisioned programs) and the test overrides, written before `init`. */
async function newTestConfig(paths: Paths, options: TestServerOptions): Promise<Config> {
  const config = defaultConfig({ server_name: options.serverName ?? "mxhome.test", admin_user: "admin" });
  const [synapsePort, caddyPort, postgresPort] = [await freePort(), await freePort(), await freePort()];
  config.network = { ...config.network, synapse_port: synapsePort, caddy_port: caddyPort, postgres_port: postgresPort };
  config.runtime = {
    kind: "native",
    native: { python: components.synapsePython, caddy: components.caddy, postgres_bindir: components.postgresBindir },
  };
  options.configure?.(config);
  mkdirSync(paths.configDir, { recursive: true });
  writeFileAtomic(paths.configFile, renderConfigToml(config));
  // init creates the overrides file only when absent, so the test settings written first are kept.
  writeFileAtomic(paths.synapseOverridesFile, renderTestOverrides() + (options.synapseOverrides?.(config) ?? ""));
  return config;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { root, paths, config, up, down } = await initTestHome(options);
  await up();
  const http = createSynapseHttp(`http://127.0.0.1:${config.network.synapse_port}`);
  const cluster = describePostgresCluster(paths, config, components.postgresBindir);
  const adminApi = () => synapseAdmin(http, loadServiceSession(paths).accessToken);
  return {
    serverName: config.server.server_name,
    paths,
    config,
    publicUrl: `http://127.0.0.1:${config.network.caddy_port}`,
    synapseUrl: http.baseUrl,
    admin: { userId: `@admin:${config.server.server_name}`, password: adminPassword },
    get service() {
      return loadServiceSession(paths);
    },
    get bot() {
      return loadBotSession(paths);
    },
    http,
    adminApi,
    async createUser(localpart = `user${++userCounter}-${Date.now().toString(36)}`, userOptions = {}) {
      const userId = `@${localpart}:${config.server.server_name}`;
      const password = `pw-${localpart}-${Math.random().toString(36).slice(2)}`;
      const api = adminApi();
      await api.upsertUser(userId, { password, admin: userOptions.admin ?? false, displayname: userOptions.displayname ?? localpart });
      return { userId, password, accessToken: await api.loginAs(userId) };
    },
    sql: (query, database = synapseDatabaseName) => runSql(cluster, query, database),
    async createScratchDatabase() {
      const name = `scratch_${++userCounter}_${Date.now().toString(36)}`;
      await runSql(cluster, `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`, "postgres");
      return name;
    },
    up,
    down,
    async stop() {
      await down();
      if (options.keepIn === undefined) rmSync(root, { recursive: true, force: true });
    },
  };
}

let shared: Promise<TestServer> | undefined;

/**
 * The one server every suite in this `bun test` process shares. Don't stop it; don't break it.
 * A start that failed is not handed to the next suite: that one starts afresh.
 */
export function testServer(): Promise<TestServer> {
  const starting = (shared ??= startTestServer());
  starting.catch(() => {
    if (shared === starting) shared = undefined;
  });
  return starting;
}

/** For a global afterAll (test/preload.ts): stops the shared server if a suite started it. */
export async function stopSharedTestServer(): Promise<void> {
  const server = shared;
  shared = undefined;
  if (server) await (await server).stop();
}
