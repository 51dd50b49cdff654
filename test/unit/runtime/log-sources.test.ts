import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import logsCommand from "../../../src/commands/logs.ts";
import { choiceConfig } from "../../../src/completion/tree.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import { chooseLogSources, logNames, parseLogSource } from "../../../src/runtime/log-sources.ts";
import { showNativeLogs } from "../../../src/runtime/native/logs.ts";
import { podmanLogUnit } from "../../../src/runtime/podman/runtime.ts";
import type { MxError } from "../../../src/ui/errors.ts";

describe("log sources: the services, Redis and each Synapse worker, named once", () => {
  test.each([
    ["synapse", { kind: "service", service: "synapse" }],
    ["postgres", { kind: "service", service: "postgres" }],
    ["redis", { kind: "process", process: "redis" }],
    ["synapse-worker1", { kind: "process", process: "worker1" }],
    ["synapse-worker8", { kind: "process", process: "worker8" }],
    ["synapse-worker9", undefined],
    ["synapse-worker0", undefined],
    ["worker1", undefined],
    ["nginx", undefined],
  ] as const)("%s", (name, expected) => {
    expect(parseLogSource(name)).toEqual(expected as never);
  });

  test("no name: the services, then Redis and the workers when there are any", () => {
    expect(chooseLogSources(undefined, []).map((source) => (source.kind === "service" ? source.service : source.process))).toEqual(["postgres", "synapse", "caddy"]);
    expect(chooseLogSources(undefined, ["worker1", "worker2"]).map((source) => (source.kind === "service" ? source.service : source.process))).toEqual([
      "postgres",
      "synapse",
      "caddy",
      "redis",
      "worker1",
      "worker2",
    ]);
  });

  test("a name this deployment does not run is refused, naming the ones it does", () => {
    expect(chooseLogSources("synapse-worker2", ["worker1", "worker2"])).toEqual([{ kind: "process", process: "worker2" }]);
    const beyond = (() => {
      try {
        return chooseLogSources("synapse-worker3", ["worker1"]);
      } catch (error) {
        return error as MxError;
      }
    })() as MxError;
    expect(beyond.message).toBe('"synapse-worker3" is not part of this deployment ([scale] workers runs 1).');
    expect(beyond.hint).toBe("Choose one of: postgres, synapse, caddy, redis, synapse-worker1.");
    expect(beyond.exitCode).toBe(2);
    expect(() => chooseLogSources("redis", [])).toThrow('"redis" is not part of this deployment ([scale] workers is off).');
    expect(() => chooseLogSources("nginx", [])).toThrow('Unknown service "nginx".');
  });

  test("podman: a service's quadlet unit; a [scale] process's unit is named after its log", () => {
    expect(podmanLogUnit({ kind: "service", service: "synapse" })).toBe("mxhome-synapse.service");
    expect(podmanLogUnit({ kind: "process", process: "worker2" })).toBe("mxhome-synapse-worker2.service");
    expect(podmanLogUnit({ kind: "process", process: "redis" })).toBe("mxhome-redis.service");
  });

  test("--help and shell completion list every name", async () => {
    const completion = await choiceConfig(logsCommand);
    const offered: string[] = [];
    completion.args?.service?.((value) => offered.push(value));
    expect(offered).toEqual([...logNames]);
    expect(offered).toEqual(expect.arrayContaining(["caddy", "redis", "synapse-worker1", "synapse-worker8"]));
  });
});

test("natively: each source's file, prefixed with its name when there are several", async () => {
  const paths = resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-logs-")) });
  mkdirSync(paths.logDir, { recursive: true });
  writeFileSync(join(paths.logDir, "synapse.log"), "main 1\nmain 2\n");
  writeFileSync(join(paths.logDir, "synapse-worker1.log"), "worker line\n");
  writeFileSync(join(paths.logDir, "redis.log"), "ready\n");
  let out = "";
  const write = (text: string) => {
    out += text;
    return true;
  };
  await showNativeLogs(paths, { sources: [{ kind: "process", process: "worker1" }], follow: false, lines: 10 }, write);
  expect(out).toBe("worker line\n");
  out = "";
  const sources = chooseLogSources(undefined, ["worker1"]).filter((source) => source.kind === "process" || source.service === "synapse");
  await showNativeLogs(paths, { sources, follow: false, lines: 1 }, write);
  expect(out).toBe(["synapse         | main 2", "redis           | ready", "synapse-worker1 | worker line", ""].join("\n"));
});
