import { describe, expect, test } from "bun:test";
import { checkLocalpart, checkProxyUrl, checkServerName, checkSynapseSize, parseSynapseSize } from "../../../src/config/validate-names.ts";

describe("checkServerName", () => {
  const valid = ["pc.tail1234.ts.net", "example.org", "localhost", "localhost:8448", "127.0.0.1", "127.0.0.1:8008", "[::1]", "[2001:db8::1]:8448", "a-b.example"];
  for (const name of valid) test(`accepts ${name}`, () => expect(checkServerName(name)).toBeUndefined());

  const invalid: [string, string][] = [
    ["", "empty"],
    ["https://example.org", "scheme"],
    ["example.org/matrix", "path"],
    ["my server", "spaces"],
    ["example.org:8448", ".well-known"],
    ["pc.tail1234.ts.net:443", "Funnel serves only 443"],
    ["example.org:0", "port"],
    ["example.org:99999", "port"],
    ["2001:db8::1", "brackets"],
    ["[zz::1]", "IPv6"],
    ["exa_mple.org", "letters, digits"],
    ["-bad.org", "letters, digits"],
  ];
  for (const [name, fragment] of invalid) test(`rejects ${JSON.stringify(name)}`, () => expect(checkServerName(name)).toContain(fragment));
});

describe("other validators", () => {
  test("localparts", () => {
    expect(checkLocalpart("admin")).toBeUndefined();
    expect(checkLocalpart("Admin")).toBeDefined();
    expect(checkLocalpart("@admin:x")).toBeDefined();
  });
  test("sizes need a unit (K, M or G, as Synapse's parse_size reads them)", () => {
    expect(checkSynapseSize("10M")).toBeUndefined();
    expect(checkSynapseSize("512K")).toBeUndefined();
    expect(checkSynapseSize("1G")).toBeUndefined();
    expect(checkSynapseSize("10")).toContain("10M");
    expect(checkSynapseSize("1048576")).toContain("bytes");
    expect(checkSynapseSize("10 M")).toContain("unit");
    expect(checkSynapseSize("1T")).toBeDefined();
    expect(parseSynapseSize("10M")).toBe(10 * 1024 * 1024);
    expect(parseSynapseSize("2K")).toBe(2048);
    expect(parseSynapseSize("1G")).toBe(1024 ** 3);
    expect(parseSynapseSize("1048576")).toBe(1048576);
  });
  test("proxy URLs", () => {
    expect(checkProxyUrl("")).toBeUndefined();
    expect(checkProxyUrl("http://127.0.0.1:3128")).toBeUndefined();
    expect(checkProxyUrl("socks5://x")).toContain("http");
    expect(checkProxyUrl("nope")).toContain("not a URL");
  });
});
