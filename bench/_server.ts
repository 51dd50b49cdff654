/**
 * A healthy native server for the doctor and status benchmarks, plus the
 * compiled binary and a fake `tailscale` on PATH. PostgreSQL refuses root, so
 * as root the benchmark re-runs itself as the test user (like `npm test`).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../scripts/build.ts";
import { fakeTailscale } from "../test/integration/doctor/_support.ts";
import { startTestServer, type TestServer } from "../test/support/server.ts";


export interface BenchServer {
  server: TestServer;
  mxhome: string;
  env: Record<string, string | undefined>;
}

export async function benchServer(): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), "mxhome-bench-"));
  const mxhome = join(dir, "mxhome");
  compile(mxhome);
  const server = await startTestServer();
  const tailscaleDir = join(fakeTailscale(server.serverName, server.config.network.caddy_port), "..");
  const home = join(server.paths.configDir, "..", "..");
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined, PATH: `${tailscaleDir}:/usr/bin:/bin` };
  return { server, mxhome, env };
}
