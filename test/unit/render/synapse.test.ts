import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { renderSynapseFiles } from "../../../src/render/synapse.ts";
import type { Config } from "../../../src/config/schema.ts";
import { fixtureInputs, topologies, type Topology } from "./_inputs.ts";

function homeserver(topology: Topology, tweak?: (config: Config) => void): Record<string, any> {
  const [file] = renderSynapseFiles(fixtureInputs(topology, { config: tweak }));
  return parse(file!.content) as Record<string, any>;
}

describe.each(topologies)("homeserver.yaml (%s)", (topology) => {
  const config = homeserver(topology);

  test("registration is closed and every listener is loopback; the client one with x_forwarded", () => {
    expect(config.enable_registration).toBe(false);
    // With workers, a second one: the main process's replication listener.
    expect(config.listeners).toHaveLength(topology.endsWith("-workers") ? 2 : 1);
    for (const listener of config.listeners) {
      expect(listener.bind_addresses).toEqual(["127.0.0.1"]);
      expect(listener.tls).toBe(false);
    }
    expect(config.listeners[0].x_forwarded).toBe(true);
    expect(config.listeners[0].resources[0].names).toEqual(["client", "federation"]);
  });

  test("PostgreSQL through libpq options only: no password or password_file", () => {
    expect(config.database.name).toBe("psycopg2");
    expect(Object.keys(config.database.args).sort()).toEqual(["cp_max", "cp_min", "dbname", "host", "port", "user"]);
    expect(config.database.args.host).toBe("127.0.0.1");
  });

  test("retention with a purge job, media retention and the upload limit", () => {
    expect(config.retention.enabled).toBe(true);
    expect(config.retention.default_policy.max_lifetime).toMatch(/^\d+d$/);
    expect(config.retention.purge_jobs[0].interval).toBeDefined();
    expect(config.media_retention.local_media_lifetime).toBe(config.retention.default_policy.max_lifetime);
    expect(config.media_retention.remote_media_lifetime).toBe(config.retention.default_policy.max_lifetime);
    expect(config.max_upload_size).toBe("10M");
  });

  test("every secret is read from a file through a *_path key", () => {
    for (const key of ["signing_key_path", "macaroon_secret_key_path", "form_secret_path", "registration_shared_secret_path"]) {
      expect(typeof config[key]).toBe("string");
    }
    for (const key of ["macaroon_secret_key", "form_secret", "registration_shared_secret"]) expect(config[key]).toBeUndefined();
  });

  test("low-resource settings", () => {
    expect(config.presence.enabled).toBe(false);
    expect(config.url_preview_enabled).toBe(false);
    expect(config.limit_remote_rooms.enabled).toBe(true);
    expect(config.caches.global_factor).toBeLessThan(1);
    expect(config.report_stats).toBe(false);
  });
});

test("container paths under podman, host paths natively", () => {
  expect(homeserver("funnel-host").signing_key_path).toBe("/secrets/signing.key");
  expect(homeserver("funnel-host").media_store_path).toBe("/data/media_store");
  expect(homeserver("native").signing_key_path).toBe("/home/alice/.local/share/mxhome/secrets/signing.key");
});

test("public_baseurl is the Funnel host, server_name may be a custom domain", () => {
  const custom = homeserver("custom-domain");
  expect(custom.server_name).toBe("example.org");
  expect(custom.public_baseurl).toBe("https://pc.tail1234.ts.net/");
});

test("an outbound proxy routes Synapse's outgoing requests", () => {
  expect(homeserver("funnel-host").https_proxy).toBeUndefined();
  const proxied = homeserver("funnel-host", (c) => (c.network.outbound_proxy = "http://127.0.0.1:3128"));
  expect(proxied.http_proxy).toBe("http://127.0.0.1:3128");
  expect(proxied.https_proxy).toBe("http://127.0.0.1:3128");
  expect(proxied.no_proxy_hosts).toContain("127.0.0.1");
});

test("values that need quoting stay valid YAML", () => {
  const tricky = homeserver("native", (c) => (c.server.max_upload = "512K"));
  expect(tricky.max_upload_size).toBe("512K");
});
