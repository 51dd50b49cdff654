/**
 * The rendered Caddyfile in the real Caddy (Debian's 2.6.2, the oldest we
 * support): it validates, and a running Caddy in front of a header-echo server
 * serves the well-known JSON, proxies /_matrix, never lets the admin API
 * through, and keeps X-Forwarded-* only from a trusted peer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CaddyOptions, renderCaddyfile } from "../../../src/render/caddy.ts";
import { wellKnownClient, wellKnownServer } from "../../../src/render/well-known.ts";
import { components } from "../../support/components.ts";
import { freePort } from "../../support/ports.ts";
import { workerRoutes } from "../../../src/render/worker-routes.ts";
import { sampleWorkerPath } from "../../support/worker-routes.ts";
import { fixtureInputs, topologies } from "../../unit/render/_inputs.ts";

const scratch = mkdtempSync(join(tmpdir(), "mxhome-caddy-"));
/** Caddy writes under HOME/XDG dirs; keep all of it in the scratch dir. */
const caddyEnv = {
  PATH: process.env.PATH,
  HOME: join(scratch, "home"),
  XDG_DATA_HOME: join(scratch, "home", "data"),
  XDG_CONFIG_HOME: join(scratch, "home", "config"),
};
mkdirSync(caddyEnv.HOME);

function writeCaddyfile(name: string, content: string): string {
  const file = join(scratch, `${name}.Caddyfile`);
  writeFileSync(file, content);
  return file;
}

describe.each(topologies)("caddy validate (%s)", (topology) => {
  test("valid, and no warning but the intended one", () => {
    const file = writeCaddyfile(`validate-${topology}`, renderCaddyfile(fixtureInputs(topology)).content);
    const result = Bun.spawnSync([components.caddy, "validate", "--config", file, "--adapter", "caddyfile"], { env: caddyEnv });
    const warnings = result.stderr
      .toString()
      .split("\n")
      .filter((line) => /"level":"(warn|error)"/.test(line))
      // auto_https off is deliberate: Funnel terminates TLS.
      .filter((line) => !line.includes("automatic HTTPS is completely disabled"));
    expect(warnings).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});

/** What the echo server (standing in for Synapse) received. */
const received: { path: string; headers: Record<string, string> }[] = [];
let echo: ReturnType<typeof Bun.serve> | undefined;
const caddies: { process: ReturnType<typeof Bun.spawn>; log: string }[] = [];

async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await Bun.sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** Renders with the echo server upstream (with workers: a second one for them), starts `caddy run` on a free port, returns that port. */
async function startCaddy(name: string, options: CaddyOptions = {}, workers = false): Promise<number> {
  const port = await freePort();
  const inputs = fixtureInputs(workers ? "native-workers" : "custom-domain", {
    upstream: `127.0.0.1:${echo!.port}`,
    config: (config) => {
      config.network.caddy_port = port;
    },
  });
  if (workers) inputs.workerUpstreams = [`127.0.0.1:${workerEcho!.port}`];
  const file = writeCaddyfile(name, renderCaddyfile(inputs, options).content);
  const log = join(scratch, `${name}.log`);
  const child = Bun.spawn([components.caddy, "run", "--config", file, "--adapter", "caddyfile"], {
    env: caddyEnv,
    stdout: "ignore",
    stderr: Bun.file(log),
  });
  caddies.push({ process: child, log });
  await waitForPort(port).catch((error) => {
    throw new Error(`${error}\n${readFileSync(log, "utf8")}`);
  });
  return port;
}

/** A raw HTTP/1.1 request, so paths reach Caddy exactly as written (fetch would normalise `..`). */
function rawGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: pc.tail1234.ts.net\r\nConnection: close\r\n\r\n`);
    });
    let response = "";
    socket.on("data", (chunk) => (response += chunk));
    socket.on("error", reject);
    socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)));
  });
}

let trustedPort = 0;
let untrustedPort = 0;
let workersPort = 0;
/** What the workers' echo server received. */
const receivedByWorkers: { path: string; headers: Record<string, string> }[] = [];
let workerEcho: ReturnType<typeof Bun.serve> | undefined;
const config = fixtureInputs("custom-domain").config;

/** A header-echo server recording what it received; `mark` is added to each answer (the workers' says `worker: true`). */
function startEcho(into: { path: string; headers: Record<string, string> }[], mark: Record<string, unknown> = {}): ReturnType<typeof Bun.serve> {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const seen = { path: new URL(request.url).pathname, headers: Object.fromEntries(request.headers) };
      into.push(seen);
      return Response.json({ ...seen, ...mark });
    },
  });
}

beforeAll(async () => {
  echo = startEcho(received);
  workerEcho = startEcho(receivedByWorkers, { worker: true });
  trustedPort = await startCaddy("trusted");
  workersPort = await startCaddy("workers", {}, true);
  // The peer (127.0.0.1) is outside this range, as any client on the internet would be.
  untrustedPort = await startCaddy("untrusted", { trustedProxies: "127.0.0.2/32" });
});

afterAll(async () => {
  for (const caddy of caddies) caddy.process.kill();
  await Promise.all(caddies.map((caddy) => caddy.process.exited));
  echo?.stop(true);
  workerEcho?.stop(true);
  rmSync(scratch, { recursive: true, force: true });
});

describe("caddy run, in front of an echo server", () => {
  const url = (path: string) => `http://127.0.0.1:${trustedPort}${path}`;

  test.each([
    ["/.well-known/matrix/server", () => wellKnownServer(config)],
    ["/.well-known/matrix/client", () => wellKnownClient(config)],
  ])("%s: the JSON, as JSON, readable cross-origin", async (path, body) => {
    const response = await fetch(url(path), { headers: { Host: "pc.tail1234.ts.net" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.text()).toBe(body());
  });

  test.each(["/_matrix/client/versions", "/_matrix/federation/v1/version", "/_synapse/client/new_user_consent"])(
    "%s is proxied to Synapse",
    async (path) => {
      const response = await fetch(url(path));
      expect(response.status).toBe(200);
      expect(((await response.json()) as { path: string }).path).toBe(path);
    },
  );

  test.each([
    "/_synapse/admin/v1/users",
    "/_synapse/admin/v1/register",
    "/_synapse/admin",
    "/_synapse/ADMIN/v1/users",
    "/_matrix/../_synapse/admin/v1/users",
    "/_matrix/%2e%2e/_synapse/admin/v1/users",
    "/_matrix/..%2f_synapse/admin/v1/users",
    "/_synapse/client/../admin/v1/users",
    "/_synapse%2fadmin/v1/users",
    "//_synapse/admin/v1/users",
  ])("%s is 404 and never reaches Synapse", async (path) => {
    expect(await rawGet(trustedPort, path)).toBe(404);
    expect(received.filter((seen) => /admin/i.test(decodeURIComponent(seen.path)))).toEqual([]);
  });

  test.each(["/", "/index.html", "/_synapse/metrics", "/health"])("%s is 404", async (path) => {
    expect((await fetch(url(path))).status).toBe(404);
  });

  test.each(["pc.tail1234.ts.net", "example.org", "localhost"])("Host %s is served (Funnel keeps the ts.net name)", async (host) => {
    const response = await fetch(url("/_matrix/client/versions"), { headers: { Host: host } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { headers: Record<string, string> }).headers["x-forwarded-host"]).toBe(host);
  });
});

describe("X-Forwarded-* and trusted_proxies", () => {
  const forwarded = { "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7" };
  const headersSeen = async (port: number) => {
    const response = await fetch(`http://127.0.0.1:${port}/_matrix/client/versions`, { headers: forwarded });
    return ((await response.json()) as { headers: Record<string, string> }).headers;
  };

  test("from a trusted peer (Funnel on loopback) they are passed on", async () => {
    const headers = await headersSeen(trustedPort);
    expect(headers["x-forwarded-proto"]).toBe("https");
    expect(headers["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
  });

  test("from an untrusted peer they are replaced with what Caddy saw", async () => {
    const headers = await headersSeen(untrustedPort);
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
  });
});

describe("with workers: upstream's routing table", () => {
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${workersPort}${path}`, { headers: { Authorization: "Bearer syt_x" } });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as { path?: string; worker?: boolean } };
  };

  test.each(workerRoutes.map((route) => [route, sampleWorkerPath(route)]))("%s: %s goes to a worker", async (_route, path) => {
    const { status, body } = await get(path);
    expect(status).toBe(200);
    expect(body).toMatchObject({ path, worker: true });
  });

  test.each(["/_matrix/client/v3/rooms/!r:x/send/m.room.message/1", "/_matrix/client/v3/login", "/_matrix/media/v3/upload", "/_synapse/client/new_user_consent"])(
    "%s stays with the main process",
    async (path) => {
      const { status, body } = await get(path);
      expect(status).toBe(200);
      expect(body.worker).toBeUndefined();
    },
  );

  // Every admin path, including upstream's one generic-worker admin route and each worker route's path under /_synapse/admin.
  test.each(["/_synapse/admin/v1/rooms/!r:x", "/_synapse/admin/v2/users/@a:x", "/_synapse/admin/v1/register", ...workerRoutes.map((route) => `/_synapse/admin${sampleWorkerPath(route)}`)])(
    "%s is 404 and reaches neither the workers nor the main process",
    async (path) => {
      expect(await rawGet(workersPort, path)).toBe(404);
      expect([...received, ...receivedByWorkers].filter((seen) => /admin/i.test(decodeURIComponent(seen.path)))).toEqual([]);
    },
  );
});
