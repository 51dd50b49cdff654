import { describe, expect, test } from "bun:test";
import { applyPortOverrides, setTomlValue } from "../../../src/backup/ports.ts";
import { defaultConfig, renderConfigToml } from "../../../src/config/render-toml.ts";

describe("setTomlValue", () => {
  test.each([
    ["replaces the line, keeping its comment", "[network]\nsynapse_port = 8008 # mine\n", "[network]\nsynapse_port = 18008 # mine\n"],
    ["only in its own table", "[other]\nsynapse_port = 1\n[network]\nsynapse_port = 8008\n", "[other]\nsynapse_port = 1\n[network]\nsynapse_port = 18008\n"],
    ["adds the key under the table when absent", "[network]\ncaddy_port = 8080\n", "[network]\nsynapse_port = 18008\ncaddy_port = 8080\n"],
    ["adds the table when absent", '[server]\nserver_name = "x.org"\n', '[server]\nserver_name = "x.org"\n\n[network]\nsynapse_port = 18008\n'],
    ["a header with a comment", "[network] # ports\nsynapse_port = 8008\n", "[network] # ports\nsynapse_port = 18008\n"],
  ])("%s", (_name, text, expected) => expect(setTomlValue(text, "network", "synapse_port", "18008")).toBe(expected));
});

describe("port overrides on the archived mxhome.toml", () => {
  const text = renderConfigToml(defaultConfig({ server_name: "pc.tail1234.ts.net" }));

  test("changes only the ports given, keeps the comments, reports each change", () => {
    const result = applyPortOverrides(text, { synapse_port: 18008, postgres_port: 5433 });
    expect(result.changes).toEqual([{ setting: "synapse_port", from: 8008, to: 18008 }]);
    expect(result.config.network).toMatchObject({ synapse_port: 18008, caddy_port: 8080, postgres_port: 5433 });
    expect(result.text.split("\n").filter((line) => line.startsWith("#"))).toEqual(text.split("\n").filter((line) => line.startsWith("#")));
  });

  test("no overrides: the text is untouched", () => {
    expect(applyPortOverrides(text, {}).text).toBe(text);
  });

  test("a minimal config gets a [network] table", () => {
    const result = applyPortOverrides('[server]\nserver_name = "x.org"\n', { caddy_port: 18080 });
    expect(result.config.network.caddy_port).toBe(18080);
  });

  test("an invalid archived config is refused", () => {
    expect(() => applyPortOverrides("[server]\n", {})).toThrow("not valid");
  });

  test("a port set as a dotted key at the top is refused rather than silently kept", () => {
    const dotted = '[server]\nserver_name = "x.org"\n';
    const withDotted = `network.synapse_port = 8008\n${dotted}`;
    expect(() => applyPortOverrides(withDotted, { synapse_port: 18008 })).toThrow("Could not set the ports");
  });
});
