/**
 * bench/purge.ts's homeserver: a native test deployment (real init and up,
 * the test servers' relaxed rate limits) kept in one directory across runs
 * of the benchmark, so its seeded database snapshot is only built once.
 * `MXHOME_BENCH_DIR` moves it; deleting the directory starts over.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadServiceSession } from "../src/accounts/index.ts";
import { loadConfig } from "../src/config/load.ts";
import { type Paths, resolvePaths } from "../src/config/paths.ts";
import { defaultConfig, renderConfigToml } from "../src/config/render-toml.ts";
import type { Config } from "../src/config/schema.ts";
import { writeFileAtomic } from "../src/io/fs.ts";
import { runInit } from "../src/init/run.ts";
import { runDown } from "../src/runtime/down.ts";
import { describePostgresCluster, runSql } from "../src/runtime/native/postgres.ts";
import { runUp } from "../src/runtime/up.ts";
import { synapseAdmin, type SynapseAdmin } from "../src/synapse/admin.ts";
import { createSynapseHttp, type SynapseHttp } from "../src/synapse/http.ts";
import { setQuiet } from "../src/ui/logger.ts";
import { components } from "../test/support/components.ts";
import { freePort } from "../test/support/ports.ts";
import { renderTestOverrides } from "../test/support/server-setup.ts";

export interface BenchServer {
  home: string;
  paths: Paths;
  config: Config;
  synapseUrl: string;
  http: SynapseHttp;
  adminApi(): SynapseAdmin;
  sql(query: string, database?: string): Promise<string>;
  createUser(localpart: string): Promise<{ userId: string; accessToken: string }>;
  stop(): Promise<void>;
}

const timersBinary = "/usr/local/bin/mxhome";

export async function openBenchServer(root = process.env.MXHOME_BENCH_DIR ?? `/var/tmp/mxhome-bench-purge-${process.getuid?.()}`): Promise<BenchServer> {
  const home = join(root, "home");
  const paths = resolvePaths({ HOME: home });
  setQuiet(true);
  if (!existsSync(paths.configFile)) {
    const config = defaultConfig({ server_name: "bench.test", admin_user: "admin" });
    config.network = { ...config.network, synapse_port: await freePort(), caddy_port: await freePort(), postgres_port: await freePort() };
    config.runtime = { kind: "native", native: { python: components.synapsePython, caddy: components.caddy, postgres_bindir: components.postgresBindir } };
    mkdirSync(paths.configDir, { recursive: true });
    writeFileAtomic(paths.configFile, renderConfigToml(config));
    writeFileAtomic(paths.synapseOverridesFile, renderTestOverrides());
    await runInit(paths, { answers: {}, force: false, dryRun: false, mxhomeBinary: timersBinary });
  }
  const config = loadConfig(paths.configFile);
  await runUp(paths, config, {
    dryRun: false,
    force: false,
    adminPassword: { kind: "given", password: "bench-admin-password-1" },
    onTerminal: false,
    mxhomeBinary: timersBinary,
  });
  const synapseUrl = `http://127.0.0.1:${config.network.synapse_port}`;
  const http = createSynapseHttp(synapseUrl);
  const cluster = describePostgresCluster(paths, config, components.postgresBindir);
  const adminApi = () => synapseAdmin(http, loadServiceSession(paths).accessToken);
  return {
    home,
    paths,
    config,
    synapseUrl,
    http,
    adminApi,
    sql: (query, database = "synapse") => runSql(cluster, query, database),
    async createUser(localpart) {
      const userId = `@${localpart}:${config.server.server_name}`;
      await adminApi().upsertUser(userId, { password: `pw-${localpart}-${Math.random().toString(36).slice(2)}`, displayname: localpart });
      return { userId, accessToken: await adminApi().loginAs(userId) };
    },
    stop: () => runDown(paths, config, { dryRun: false, mxhomeBinary: timersBinary }).then(() => undefined),
  };
}
