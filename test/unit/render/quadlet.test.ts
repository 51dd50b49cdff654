import { describe, expect, test } from "bun:test";
import { basename, dirname } from "node:path";
import { caddyfilePath } from "../../../src/render/caddy.ts";
import { images } from "../../../src/render/images.ts";
import { quadletHostDirectories, quadletUnits, renderQuadletUnits } from "../../../src/render/quadlet.ts";
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

  test("every file homeserver.yaml names inside the container is on a mount", () => {
    const targets = [...unit("synapse").matchAll(/^Volume=[^:]+:([^:]+)/gm)].map((match) => match[1]!);
    const inside = containerSynapsePaths();
    for (const file of Object.values(inside)) {
      expect(targets.some((target) => file === target || file.startsWith(`${target}/`))).toBe(true);
    }
    expect(unit("synapse")).toContain(`Exec=run -c ${inside.configDir}/homeserver.yaml -c ${inside.overridesFile}\n`);
  });

  test("the secrets and overrides are mounted read-only", () => {
    expect(unit("synapse")).toContain(`Volume=${inputs.paths.secretsDir}:/secrets:ro,Z\n`);
    expect(unit("synapse")).toContain(`Volume=${inputs.paths.synapseOverridesFile}:/config/homeserver.overrides.yaml:ro,Z\n`);
  });

  test("caddy keeps everything under the data dir, nothing under /etc on the host", () => {
    const sources = [...unit("caddy").matchAll(/^Volume=([^:]+):/gm)].map((match) => match[1]!);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((source) => source.startsWith(`${inputs.paths.caddyDir}/`))).toBe(true);
  });

  test("every bind-mounted directory is listed for creation", () => {
    const sources = units.flatMap((file) => [...file.content.matchAll(/^Volume=([^:]+):/gm)].map((match) => match[1]!));
    // The two mounted files are written by mxhome itself (the Caddyfile here, the overrides by init).
    const files = [caddyfilePath(inputs.paths), inputs.paths.synapseOverridesFile];
    expect(quadletHostDirectories(inputs).sort()).toEqual(sources.filter((source) => !files.includes(source)).sort());
  });

  test.each(["/home/a:b", "/home/100%", "/home/$USER", '/home/"q"'])("refuses a HOME of %j", (home) => {
    expect(() => renderQuadletUnits(fixtureInputs("funnel-host", { home }))).toThrow("Cannot mount");
  });
});
