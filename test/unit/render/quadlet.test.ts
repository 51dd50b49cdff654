import { describe, expect, test } from "bun:test";
import { basename, dirname } from "node:path";
import { caddyfilePath } from "../../../src/render/caddy.ts";
import { images } from "../../../src/render/images.ts";
import { parse } from "yaml";
import { renderDeployment } from "../../../src/render/index.ts";
import { quadletHostDirectories, quadletUnits, renderQuadletUnits, scaleProcessOfUnitFile, scaleUnit } from "../../../src/render/quadlet.ts";
import { containerSynapsePaths } from "../../../src/render/synapse.ts";
import { fixtureInputs } from "./_inputs.ts";

const inputs = fixtureInputs("funnel-host");
const units = renderQuadletUnits(inputs);
const unit = (name: keyof typeof quadletUnits) => units.find((file) => basename(file.path) === quadletUnits[name].file)!.content;

describe("renderQuadletUnits", () => {
  test("three units in the quadlet dir, each restarting only its own service", () => {
    expect(units.map((file) => [basename(file.path), file.affects])).toEqual([
      ["mxhome-postgres.container", ["postgres"]],
      ["mxhome-synapse.container", ["synapse"]],
      ["mxhome-caddy.container", ["caddy"]],
    ]);
    expect(units.every((file) => dirname(file.path) === inputs.paths.quadletDir)).toBe(true);
  });

  test("nothing for the native runtime", () => {
    expect(renderQuadletUnits(fixtureInputs("native"))).toEqual([]);
  });

  test.each(Object.keys(quadletUnits) as (keyof typeof quadletUnits)[])("%s: host network, pinned image, restarts, starts with the session", (name) => {
    const text = unit(name);
    expect(text).toMatch(/^Network=host$/m);
    expect(text).toContain(`Image=${images[name]}\n`);
    expect(text).toMatch(/^Restart=always$/m);
    expect(text).toMatch(/^TimeoutStartSec=\d{3,}$/m);
    expect(text).toMatch(/^WantedBy=default\.target$/m);
    // Notify=healthy needs podman 5.0; PublishPort is pointless (and exposing) with the host network.
    // AutoUpdate: a new Synapse or PostgreSQL image needs `mxhome upgrade`'s backup, migrations check and major-version steps.
    expect(text).not.toMatch(/^(Notify|PublishPort|AutoUpdate)=/m);
  });

  test.each(Object.entries(images))("%s image %s is fully qualified and pinned by tag", (_name, image) => {
    expect(image).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+\/[a-z0-9._/-]+:[A-Za-z0-9._-]+$/);
    expect(image).not.toMatch(/:latest$/);
  });

  test("ports come from the config", () => {
    const moved = fixtureInputs("funnel-host", {
      config: (config) => Object.assign(config.network, { postgres_port: 15433, synapse_port: 18008, caddy_port: 18080 }),
    });
    const [postgres, synapse, caddy] = renderQuadletUnits(moved).map((file) => file.content);
    expect(postgres).toContain("Exec=postgres -c listen_addresses=127.0.0.1 -c port=15433\n");
    expect(postgres).toContain("HealthCmd=pg_isready -h 127.0.0.1 -p 15433 -U synapse\n");
    expect(synapse).toContain("HealthCmd=curl -fSs http://127.0.0.1:18008/health\n");
    expect(caddy).toContain("127.0.0.1:18080");
  });

  test("postgres initialises a database Synapse accepts, password from the podman secret", () => {
    const text = unit("postgres");
    expect(text).toContain('Environment="POSTGRES_INITDB_ARGS=--encoding=UTF-8 --lc-collate=C --lc-ctype=C"\n');
    expect(text).toContain("Secret=mxhome-postgres-password,type=env,target=POSTGRES_PASSWORD\n");
    expect(text).toContain(`Volume=${inputs.paths.postgresDir}:/var/lib/postgresql/data:Z\n`);
  });

  test("synapse gets the password as PGPASSWORD and runs as the user", () => {
    const text = unit("synapse");
    expect(text).toContain("Secret=mxhome-postgres-password,type=env,target=PGPASSWORD\n");
    expect(text).toContain("UserNS=keep-id:uid=991,gid=991\n");
    expect(text).toMatch(/^Requires=mxhome-postgres\.service$/m);
    expect(text).toMatch(/^After=mxhome-postgres\.service$/m);
  });

  test("every file homeserver.yaml names inside the container is on a mount (Redis's socket only with workers)", () => {
    const targets = [...unit("synapse").matchAll(/^Volume=[^:]+:([^:]+)/gm)].map((match) => match[1]!);
    const { redisSocketFile, ...inside } = containerSynapsePaths();
    expect(targets.some((target) => redisSocketFile.startsWith(`${target}/`))).toBe(false);
    for (const file of Object.values(inside)) {
      expect(targets.some((target) => file === target || file.startsWith(`${target}/`))).toBe(true);
    }
    expect(unit("synapse")).toContain(`Exec=run -c ${inside.configDir}/homeserver.yaml -c ${inside.overridesFile}\n`);
  });

  test("the secrets and overrides are mounted read-only", () => {
    // z, not Z: the workers' containers mount the same (a private label would lock them out).
    expect(unit("synapse")).toContain(`Volume=${inputs.paths.secretsDir}:/secrets:ro,z\n`);
    expect(unit("synapse")).toContain(`Volume=${inputs.paths.synapseOverridesFile}:/config/homeserver.overrides.yaml:ro,z\n`);
  });

  test("caddy keeps everything under the data dir, nothing under /etc on the host", () => {
    const sources = [...unit("caddy").matchAll(/^Volume=([^:]+):/gm)].map((match) => match[1]!);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((source) => source.startsWith(`${inputs.paths.caddyDir}/`))).toBe(true);
  });

  test.each(["funnel-host", "podman-workers"] as const)("%s: every bind-mounted directory is listed for creation", (topology) => {
    const topologyInputs = fixtureInputs(topology);
    const sources = renderQuadletUnits(topologyInputs).flatMap((file) => [...file.content.matchAll(/^Volume=([^:]+):/gm)].map((match) => match[1]!));
    // The two mounted files are written by mxhome itself (the Caddyfile here, the overrides by init).
    const files = [caddyfilePath(topologyInputs.paths), topologyInputs.paths.synapseOverridesFile];
    expect(quadletHostDirectories(topologyInputs).sort()).toEqual([...new Set(sources.filter((source) => !files.includes(source)))].sort());
  });

  test.each(["/home/a:b", "/home/100%", "/home/$USER", '/home/"q"'])("refuses a HOME of %j", (home) => {
    expect(() => renderQuadletUnits(fixtureInputs("funnel-host", { home }))).toThrow("Cannot mount");
  });
});

describe("renderQuadletUnits with [scale] workers (podman-workers fixture: 2 workers from port 18100)", () => {
  const scaled = fixtureInputs("podman-workers", { config: (config) => (config.resources.memory_high = "3G") });
  const files = renderQuadletUnits(scaled);
  const file = (name: string) => files.find((rendered) => basename(rendered.path) === name)!;
  const synapse = file("mxhome-synapse.container").content;
  const redis = file("mxhome-redis.container").content;
  const workers = ["worker1", "worker2"].map((name) => file(`mxhome-synapse-${name}.container`).content);
  const key = (text: string, name: string) => [...text.matchAll(new RegExp(`^${name}=(.*)$`, "gm"))].map((match) => match[1]);

  test("Redis and one unit per worker besides the three, each restarting its own process only", () => {
    expect(files.map((rendered) => [basename(rendered.path), rendered.affects, rendered.process])).toEqual([
      ["mxhome-postgres.container", ["postgres"], undefined],
      ["mxhome-synapse.container", ["synapse"], undefined],
      ["mxhome-caddy.container", ["caddy"], undefined],
      ["mxhome-redis.container", [], "redis"],
      ["mxhome-synapse-worker1.container", [], "worker1"],
      ["mxhome-synapse-worker2.container", [], "worker2"],
    ]);
  });

  test("Redis: the pinned image, no TCP port, its socket's dir mounted, no persistence in the config it reads, a health check", () => {
    expect(key(redis, "Image")).toEqual([images.redis]);
    expect(key(redis, "Volume")).toEqual([`${scaled.paths.dataDir}/redis:/run/redis:z`]);
    expect(key(redis, "Exec")).toEqual(["redis-server /run/redis/redis.conf"]);
    expect(key(redis, "HealthCmd")).toEqual(["redis-cli -s /run/redis/redis.sock ping"]);
    expect(key(redis, "UserNS")).toEqual(["keep-id:uid=999,gid=1000"]);
    const conf = renderDeployment(scaled).find((rendered) => rendered.path === `${scaled.paths.dataDir}/redis/redis.conf`)!.content;
    for (const line of ["port 0", "unixsocket /run/redis/redis.sock", "dir /run/redis", 'save ""', "appendonly no"]) expect(conf).toContain(`\n${line}\n`);
  });

  test("the main process wants Redis first and mounts its socket's dir, read-only", () => {
    expect(key(synapse, "Wants")).toEqual(["mxhome-catch-up.service", "mxhome-redis.service"]);
    expect(key(synapse, "After")).toEqual(["mxhome-postgres.service", "mxhome-redis.service"]);
    expect(key(synapse, "Volume")).toContain(`${scaled.paths.dataDir}/redis:/run/redis:ro,z`);
    expect(parse(renderDeployment(scaled).find((rendered) => rendered.path.endsWith("/homeserver.yaml"))!.content).redis).toEqual({ enabled: true, path: "/run/redis/redis.sock" });
  });

  test.each([0, 1])("worker%d: the main process's image, mounts, secret and weights; after Redis and the main process; its own config and health check", (index) => {
    const worker = workers[index]!;
    const name = `worker${index + 1}`;
    for (const shared of ["Image", "Volume", "Secret", "UserNS", "Network", "CPUWeight", "IOWeight", "MemoryHigh", "Restart"]) {
      expect(key(worker, shared)).toEqual(shared === "Volume" ? [...key(synapse, shared)] : key(synapse, shared));
    }
    expect(key(worker, "MemoryHigh")).toEqual(["3G"]);
    expect(key(worker, "Wants")).toEqual(["mxhome-redis.service mxhome-synapse.service"]);
    expect(key(worker, "After")).toEqual(["mxhome-redis.service mxhome-synapse.service"]);
    expect(key(worker, "ContainerName")).toEqual([`mxhome-synapse-${name}`]);
    expect(key(worker, "Exec")).toEqual([`run -m synapse.app.generic_worker -c /data/homeserver.yaml -c /config/homeserver.overrides.yaml -c /data/workers/${name}.yaml`]);
    expect(key(worker, "HealthCmd")).toEqual([`curl -fSs http://127.0.0.1:${18101 + index}/health`]);
  });

  test("the workers follow the deployment's recorded Synapse, not the pin", () => {
    const older = renderQuadletUnits({ ...scaled, synapseImage: "ghcr.io/element-hq/synapse:v1.150.0" });
    const images = older.filter((rendered) => /synapse/.test(basename(rendered.path))).map((rendered) => key(rendered.content, "Image")[0]);
    expect(images).toEqual(Array(3).fill("ghcr.io/element-hq/synapse:v1.150.0"));
  });

  test.each([
    ["mxhome-redis.container", "redis"],
    ["mxhome-synapse-worker12.container", "worker12"],
    ["mxhome-synapse.container", undefined],
    ["mxhome-synapse-worker.container", undefined],
    ["mxhome-redis.container.bak", undefined],
  ])("%s belongs to %p", (name, process) => {
    expect(scaleProcessOfUnitFile(name)).toBe(process);
    if (process) expect(scaleUnit(process).file).toBe(name);
  });
});
