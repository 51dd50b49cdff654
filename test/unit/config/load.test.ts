import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatProblems, loadConfig, parseConfig } from "../../../src/config/load.ts";
import { defaultConfig, renderConfigToml } from "../../../src/config/render-toml.ts";
import { MxError } from "../../../src/ui/errors.ts";

const minimal = `[server]\nserver_name = "pc.tail1234.ts.net"\n`;

describe("parseConfig", () => {
  test("an invalid file still gives its valid keys (defaults for the bad ones) for reports", () => {
    const result = parseConfig(`${minimal}max_upload = "10"\n[runtime]\nkind = "native"\n[network]\nsynapse_port = 18008\n`);
    expect(result.config).toBeUndefined();
    if (result.config) return;
    expect(result.bestEffort?.runtime.kind).toBe("native");
    expect(result.bestEffort?.network.synapse_port).toBe(18008);
    expect(result.bestEffort?.server.max_upload).toBe("10M");
    expect(parseConfig("[server\n").config).toBeUndefined();
  });

  test("fills every default from a minimal file", () => {
    const { config, problems } = parseConfig(minimal);
    expect(problems).toEqual([]);
    expect(config).toEqual(defaultConfig({ server_name: "pc.tail1234.ts.net" }));
    expect(config?.retention.days).toBe(14);
    expect(config?.kick.after_days).toBe(30);
    expect(config?.server.max_upload).toBe("10M");
    expect(config?.runtime.kind).toBe("podman");
  });

  test("a rendered default config parses back to itself", () => {
    const config = defaultConfig({ server_name: "example.org", public_host: "pc.tail1234.ts.net" });
    config.kick.exempt_users = ["@me:other.org"];
    expect(parseConfig(renderConfigToml(config)).config).toEqual(config);
  });

  const cases: { name: string; text: string; line: number | undefined; includes: string[] }[] = [
    { name: "unknown key with suggestion", text: `${minimal}server_nmae = "x"\n`, line: 3, includes: ['unknown key "server_nmae" in [server]', 'did you mean "server_name"'] },
    { name: "unknown section", text: `${minimal}\n[bogus]\nx = 1\n`, line: 4, includes: ['unknown key "bogus" in the top level', "allowed: server, network"] },
    { name: "bad enum", text: `${minimal}[runtime]\nkind = "docker"\n`, line: 4, includes: ['runtime.kind = "docker" is invalid', '"podman" or "native"'] },
    { name: "integer out of range", text: `${minimal}[retention]\ndays = 0\n`, line: 4, includes: ["retention.days = 0 is invalid", "from 1 to 3650"] },
    { name: "wrong type", text: `${minimal}[network]\nsynapse_port = "8008"\n`, line: 4, includes: ['network.synapse_port = "8008" is invalid'] },
    { name: "server name with scheme", text: `[server]\nserver_name = "https://pc.ts.net"\n`, line: 2, includes: ["remove the scheme"] },
    { name: "missing server name", text: `[retention]\ndays = 3\n`, line: undefined, includes: ["missing required key server_name in [server]"] },
    { name: "bad size", text: `${minimal}max_upload = "10MB"\n`, line: 3, includes: ['server.max_upload = "10MB" is invalid', "10M or 512K"] },
    { name: "bare upload size (bytes)", text: `${minimal}max_upload = "10"\n`, line: 3, includes: ['server.max_upload = "10" is invalid', "add a unit"] },
    { name: "port in server name", text: `[server]\nserver_name = "pc.tail1234.ts.net:8448"\n`, line: 2, includes: ["remove the port", ".well-known", "443"] },
    { name: "equal ports", text: `${minimal}[network]\nsynapse_port = 9000\ncaddy_port = 9000\n`, line: 5, includes: ["network.caddy_port = 9000 is the same port as network.synapse_port"] },
    { name: "bad user pattern in list", text: `${minimal}[kick]\nexempt_users = ["alice"]\n`, line: 4, includes: ["kick.exempt_users", '"alice"'] },
    { name: "nested table key", text: `${minimal}[runtime.native]\npythn = "x"\n`, line: 4, includes: ['unknown key "pythn" in [runtime.native]'] },
    { name: "syntax error", text: `[server\nserver_name = 1\n`, line: 1, includes: ["TOML syntax error"] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, problems } = parseConfig(c.text);
      expect(config).toBeUndefined();
      const problem = problems[0]!;
      expect(problem.line).toBe(c.line);
      for (const fragment of c.includes) expect(problem.message).toContain(fragment);
    });
  }

  test("reports every problem at once", () => {
    const { problems } = parseConfig(`${minimal}foo = 1\n[retention]\ndays = -1\n`);
    expect(problems.length).toBe(2);
    expect(formatProblems("/x/mxhome.toml", problems)).toMatch(/^\/x\/mxhome\.toml:3: unknown key "foo"/);
  });
});

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxhome-load-"));

  test("missing file is a usage error naming init", () => {
    const error = (() => {
      try {
        loadConfig(join(dir, "absent.toml"));
      } catch (e) {
        return e as MxError;
      }
    })();
    expect(error).toBeInstanceOf(MxError);
    expect(error?.exitCode).toBe(2);
    expect(error?.hint).toContain("mxhome init");
  });

  test("invalid file is exit 2 with file:line", () => {
    const file = join(dir, "bad.toml");
    writeFileSync(file, `${minimal}typo = true\n`);
    expect(() => loadConfig(file)).toThrow(`${file}:3: unknown key "typo"`);
  });
});
