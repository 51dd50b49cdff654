import { describe, expect, test } from "bun:test";
import { caddyfilePath, renderCaddyfile } from "../../../src/render/caddy.ts";
import { wellKnownClient, wellKnownServer } from "../../../src/render/well-known.ts";
import { fixtureInputs, topologies } from "./_inputs.ts";

describe.each(topologies)("renderCaddyfile (%s)", (topology) => {
  const inputs = fixtureInputs(topology);
  const file = renderCaddyfile(inputs);
  const text = file.content;
  const { caddy_port, synapse_port } = inputs.config.network;

  test("written to the caddy dir; a change restarts Caddy only", () => {
    expect(file.path).toBe(caddyfilePath(inputs.paths));
    expect(file.affects).toEqual(["caddy"]);
  });

  test.each([
    ["no automatic HTTPS (Funnel terminates TLS)", /^\tauto_https off$/m],
    ["no admin endpoint", /^\tadmin off$/m],
    ["bound to loopback", /^\tbind 127\.0\.0\.1$/m],
    ["one site for any host name, on the configured port", new RegExp(`^http://:${caddy_port} \\{$`, "m")],
    ["the admin API answered with 404", /handle \/_synapse\/admin\* \{\n\t\trespond 404\n/],
    ["everything unmatched answered with 404", /\thandle \{\n\t\trespond 404\n\t\}\n\}\n$/],
    ["only /_matrix and /_synapse/client proxied", /^\t@synapse path \/_matrix\/\* \/_synapse\/client\/\*$/m],
    ["proxied to Synapse's loopback listener", new RegExp(`reverse_proxy 127\\.0\\.0\\.1:${synapse_port} \\{`)],
    ["X-Forwarded-* trusted from loopback only", /^\t\t\ttrusted_proxies 127\.0\.0\.1\/8$/m],
  ])("%s", (_what, pattern) => {
    expect(text).toMatch(pattern);
  });

  test("no site block named after a host (Funnel's Host header would never match it)", () => {
    const siteAddresses = [...text.matchAll(/^([^\s#][^\n{]*)?\{$/gm)].map((match) => (match[1] ?? "").trim());
    expect(siteAddresses).toEqual(["", `http://:${caddy_port}`]);
  });

  test("the well-known bodies are the shared JSON", () => {
    expect(text).toContain(`respond \`${wellKnownServer(inputs.config)}\` 200`);
    expect(text).toContain(`respond \`${wellKnownClient(inputs.config)}\` 200`);
  });

  test("no global servers { trusted_proxies } (Caddy 2.7+ only)", () => {
    expect(text).not.toMatch(/^\s*servers\b/m);
  });
});

describe("renderCaddyfile options", () => {
  test("inputs.upstream replaces the Synapse listener", () => {
    const text = renderCaddyfile(fixtureInputs("funnel-host", { upstream: "127.0.0.1:9999" })).content;
    expect(text).toContain("reverse_proxy 127.0.0.1:9999 {");
  });

  test("trustedProxies narrows the trusted range", () => {
    const text = renderCaddyfile(fixtureInputs("funnel-host"), { trustedProxies: "127.0.0.2/32" }).content;
    expect(text).toMatch(/^\t\t\ttrusted_proxies 127\.0\.0\.2\/32$/m);
  });
});
