import { describe, expect, test } from "bun:test";
import { basename, join } from "node:path";
import { renderWellKnownExport, wellKnownClient, wellKnownServer } from "../../../src/render/well-known.ts";
import { fixtureConfig, fixtureInputs } from "./_inputs.ts";

describe("well-known JSON", () => {
  test.each([
    ["funnel-host", "pc.tail1234.ts.net"],
    ["custom-domain", "pc.tail1234.ts.net"],
  ] as const)("%s delegates to the Funnel host %s on 443", (topology, host) => {
    const config = fixtureConfig(topology);
    expect(JSON.parse(wellKnownServer(config))).toEqual({ "m.server": `${host}:443` });
    expect(JSON.parse(wellKnownClient(config))).toEqual({ "m.homeserver": { base_url: `https://${host}` } });
  });
});

describe("renderWellKnownExport", () => {
  test.each(["funnel-host", "native"] as const)("nothing to export when server_name is the Funnel host (%s)", (topology) => {
    expect(renderWellKnownExport(fixtureInputs(topology))).toEqual([]);
  });

  const inputs = fixtureInputs("custom-domain");
  const files = renderWellKnownExport(inputs);
  const byName = new Map(files.map((file) => [basename(file.path), file]));

  test("a custom domain gets both files and a README, restarting nothing", () => {
    const matrixDir = join(inputs.paths.wellKnownExportDir, ".well-known", "matrix");
    expect(files.map((file) => file.path)).toEqual([
      join(matrixDir, "server"),
      join(matrixDir, "client"),
      join(inputs.paths.wellKnownExportDir, "README.txt"),
    ]);
    expect(files.every((file) => file.affects.length === 0 && file.mode === 0o644)).toBe(true);
  });

  test("the exported files are the same JSON Caddy serves", () => {
    expect(byName.get("server")!.content).toBe(`${wellKnownServer(inputs.config)}\n`);
    expect(byName.get("client")!.content).toBe(`${wellKnownClient(inputs.config)}\n`);
  });

  test.each([
    "https://example.org/.well-known/matrix/server",
    "https://example.org/.well-known/matrix/client",
    "Access-Control-Allow-Origin: *",
    "tailscale/tailscale#11563",
    "valid for pc.tail1234.ts.net",
  ])("the README says %s", (phrase) => {
    expect(byName.get("README.txt")!.content).toContain(phrase);
  });
});
