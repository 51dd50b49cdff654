import { describe, expect, test } from "bun:test";
import { defaultConfig } from "../../../src/config/render-toml.ts";
import { applyAnswers } from "../../../src/init/answers.ts";

describe("applyAnswers", () => {
  test("flags set their keys on defaults", () => {
    const { config, problems } = applyAnswers(undefined, {
      "server-name": "pc.tail1234.ts.net",
      "retention-days": "7",
      runtime: "native",
      "max-upload": "5M",
      "synapse-port": "18008",
    });
    expect(problems).toEqual([]);
    expect(config.server.server_name).toBe("pc.tail1234.ts.net");
    expect(config.retention.days).toBe(7);
    expect(config.runtime.kind).toBe("native");
    expect(config.server.max_upload).toBe("5M");
    expect(config.network.synapse_port).toBe(18008);
  });

  const invalid: [Record<string, string>, string][] = [
    [{ "server-name": "https://x.org" }, "--server-name \"https://x.org\" is invalid: remove the scheme"],
    [{ "server-name": "x.org", "retention-days": "two" }, "--retention-days \"two\" is invalid"],
    [{ "server-name": "x.org", runtime: "docker" }, '"podman" or "native"'],
    [{}, "--server-name is required"],
  ];
  for (const [answers, fragment] of invalid) {
    test(`rejects ${JSON.stringify(answers)}`, () => {
      const { problems } = applyAnswers(undefined, answers);
      expect(problems.map((p) => p.message).join("\n")).toContain(fragment);
    });
  }

  test("reports which keys of an existing config would change", () => {
    const base = defaultConfig({ server_name: "x.org" });
    expect(applyAnswers(base, { "max-upload": "10M" }).changed).toEqual([]);
    expect(applyAnswers(base, { "max-upload": "20M" }).changed).toEqual(['server.max_upload: "10M" → "20M"']);
  });
});
