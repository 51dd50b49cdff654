import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { parseConfig } from "../../../src/config/load.ts";
import { defaultConfig, renderConfigToml } from "../../../src/config/render-toml.ts";
import { workerCount } from "../../../src/config/scale.ts";
import { applyAnswers } from "../../../src/init/answers.ts";
import { renderCaddyfile } from "../../../src/render/caddy.ts";
import { renderDeployment } from "../../../src/render/index.ts";
import { renderSynapseFiles } from "../../../src/render/synapse.ts";
import { workerRouteGroups, workerRouteRegexp, workerRoutes } from "../../../src/render/worker-routes.ts";
import { redisConfigFile, redisSocketPath, workerConfigFile, workerLayout } from "../../../src/render/workers.ts";
import { sampleWorkerPath } from "../../support/worker-routes.ts";
import { fixtureInputs } from "./_inputs.ts";

describe("[scale] workers", () => {
  test.each([
    ["off", 8, 0],
    ["auto", 1, 1],
    ["auto", 2, 1],
    ["auto", 4, 3],
    ["auto", 16, 4],
    [3, 2, 3],
  ] as const)("%p on %d CPUs: %d workers", (setting, cpus, expected) => expect(workerCount(setting, cpus)).toBe(expected));

  const toml = (scale: string, runtime = "native") => `[server]\nserver_name = "x.org"\n[runtime]\nkind = "${runtime}"\n[scale]\n${scale}\n`;
  test.each(['workers = "off"', 'workers = "auto"', "workers = 1", "workers = 8"])("accepts %s", (line) => expect(parseConfig(toml(line)).problems).toEqual([]));
  test.each(['workers = "on"', "workers = 0", "workers = 9", "workers = 1.5", "workers = true"])("refuses %s, naming what is allowed", (line) => {
    expect(parseConfig(toml(line)).problems[0]?.message).toContain('"off", "auto", or a whole number from 1 to 8');
  });

  test("off by default, and init writes the key with the comment that says why", () => {
    const config = defaultConfig({ server_name: "x.org" });
    expect(config.scale.workers).toBe("off");
    const text = renderConfigToml(config);
    expect(text).toMatch(/\[scale\]\n# "off" runs Synapse as one process;[^\n]*Off by default: with a few people chatting[^\n]*\nworkers = "off"\n/);
    expect(parseConfig(text).config?.scale.workers).toBe("off");
  });

  test("either runtime runs workers", () => {
    expect(parseConfig(toml("workers = 2", "podman")).problems).toEqual([]);
  });

  test("their ports may not take a service's port, \"auto\" counted at its most", () => {
    const clash = parseConfig(`[server]\nserver_name = "x.org"\n[network]\ncaddy_port = 8104\n[runtime]\nkind = "native"\n[scale]\nworkers = "auto"\n`).problems[0];
    expect(clash?.message).toMatch(/ports 8100-8104, which includes network.caddy_port = 8104/);
  });

  test("init --workers goes through the same field and cross-checks", () => {
    expect(applyAnswers(undefined, { "server-name": "x.org", runtime: "native", workers: "2" }).config.scale.workers).toBe(2);
    expect(applyAnswers(undefined, { "server-name": "x.org", runtime: "native", workers: "auto" }).problems).toEqual([]);
    expect(applyAnswers(undefined, { "server-name": "x.org", runtime: "native", workers: "lots" }).problems[0]?.message).toMatch(/--workers "lots" is invalid/);
    expect(applyAnswers(undefined, { "server-name": "x.org", runtime: "native", workers: "2", "workers-first-port": "8006" }).problems[0]?.message).toMatch(
      /network.synapse_port = 8008.*\(--workers-first-port\)/,
    );
  });
});

describe("rendered worker configuration (native-workers fixture: 2 workers from port 18100)", () => {
  const inputs = fixtureInputs("native-workers");
  const files = renderSynapseFiles(inputs);
  const homeserver = parse(files[0]!.content) as Record<string, any>;

  test("homeserver.yaml: replication listener, Redis on its socket, secret by path, instance_map, senders", () => {
    expect(homeserver.listeners[1]).toEqual({ port: 18100, type: "http", tls: false, bind_addresses: ["127.0.0.1"], resources: [{ names: ["replication"], compress: false }] });
    expect(homeserver.redis).toEqual({ enabled: true, path: redisSocketPath(inputs.paths) });
    expect(homeserver.worker_replication_secret_path).toBe(inputs.paths.secrets.workerReplicationSecret);
    expect(homeserver.worker_replication_secret).toBeUndefined();
    expect(homeserver.instance_map).toEqual({ main: { host: "127.0.0.1", port: 18100 } });
    expect(homeserver.federation_sender_instances).toEqual(["worker1", "worker2"]);
    // Synapse's own name for its main process; "main" (the instance_map key) would leave background tasks to no process.
    expect(homeserver.run_background_tasks_on).toBe("master");
    expect(homeserver.run_background_tasks_on).not.toBe(Object.keys(homeserver.instance_map)[0]);
    expect(homeserver.stream_writers).toBeUndefined();
  });

  test("one generic worker file each, listening on loopback for client and federation", () => {
    for (const [index, name] of ["worker1", "worker2"].entries()) {
      const file = files.find((f) => f.path === workerConfigFile(inputs.paths, name))!;
      expect(file.process).toBe(name);
      const worker = parse(file.content) as Record<string, any>;
      expect(worker.worker_app).toBe("synapse.app.generic_worker");
      expect(worker.worker_name).toBe(name);
      expect(worker.worker_listeners).toEqual([
        { port: 18101 + index, type: "http", tls: false, bind_addresses: ["127.0.0.1"], x_forwarded: true, resources: [{ names: ["client", "federation"], compress: false }] },
      ]);
    }
  });

  test("Redis: no TCP port, a private socket, no persistence", () => {
    const redis = files.find((f) => f.path === redisConfigFile(inputs.paths))!;
    expect(redis.process).toBe("redis");
    for (const line of ["port 0", `unixsocket ${redisSocketPath(inputs.paths)}`, "unixsocketperm 600", 'save ""', "appendonly no"]) expect(redis.content).toContain(`\n${line}\n`);
  });

  test("workers off: none of it", () => {
    const off = renderDeployment(fixtureInputs("native"));
    expect(off.some((file) => file.process !== undefined)).toBe(false);
    expect(off.find((file) => file.path.endsWith("homeserver.yaml"))!.content).not.toMatch(/redis|instance_map|replication/);
    expect(renderCaddyfile(fixtureInputs("native")).content).not.toContain("@workers");
    expect(workerLayout(fixtureInputs("native"))).toBeUndefined();
  });

  test('"auto" is resolved from the CPU count in the inputs, never the host\'s', () => {
    const auto = (cpuCount: number) => workerLayout({ ...fixtureInputs("native-workers", { config: (c) => (c.scale.workers = "auto") }), cpuCount })!.workers.length;
    expect([auto(2), auto(4), auto(32)]).toEqual([1, 3, 4]);
  });
});

describe("Caddy's worker routes", () => {
  const inputs = fixtureInputs("native-workers");
  const text = renderCaddyfile(inputs).content;
  const routes = new RegExp(workerRouteRegexp());

  test("the table is upstream's, hashed per device onto both workers, after the admin block", () => {
    expect(text).toContain(`\t@workers path_regexp workers ${workerRouteRegexp()}\n`);
    expect(text).toMatch(/reverse_proxy 127\.0\.0\.1:18101 127\.0\.0\.1:18102 \{\n\t\t\tlb_policy header Authorization\n\t\t\ttrusted_proxies 127\.0\.0\.1\/8\n/);
    expect(text.indexOf("handle /_synapse/admin*")).toBeLessThan(text.indexOf("@workers"));
  });

  const sample = sampleWorkerPath;

  test.each(workerRoutes.map((route) => [route, sample(route)]))("%s: its sample path %s goes to the workers", (_route, path) => {
    expect(routes.test(path)).toBe(true);
  });

  test.each(workerRoutes.map((route) => [route]))("%s never reaches the admin API", (route) => {
    // Whatever the route's wildcards match, a path under /_synapse/admin never fits it.
    const own = new RegExp(route);
    for (const admin of ["/_synapse/admin/v1/rooms/!r:x", "/_synapse/admin/v2/users/@a:x", "/_synapse/admin/v1/register", `/_synapse/admin${sample(route)}`]) {
      expect(own.test(admin)).toBe(false);
    }
    expect(route.startsWith("^/_matrix/")).toBe(true);
  });

  test("no group holds upstream's one admin route, nor anything outside /_matrix", () => {
    expect(Object.values(workerRouteGroups).flat().filter((route) => !route.startsWith("^/_matrix/"))).toEqual([]);
  });

  test("event sending, login and pagination stay on the main process", () => {
    for (const path of ["/_matrix/client/v3/rooms/!r:x/send/m.room.message/1", "/_matrix/client/v3/login", "/_matrix/client/v3/rooms/!r:x/messages", "/_synapse/client/pick_idp"]) {
      expect(routes.test(path)).toBe(false);
    }
  });
});
