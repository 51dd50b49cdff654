/** The adapters, fed recorded outputs through an injected `run` (no module mocks, no podman or systemd needed). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolvePaths } from "../../../src/config/paths.ts";
import { gatherDatabase } from "../../../src/doctor/facts/database.ts";
import { createFacts } from "../../../src/doctor/facts/index.ts";
import { gatherServices } from "../../../src/doctor/facts/services.ts";
import { gatherUnits } from "../../../src/doctor/facts/systemd.ts";
import { createDoctorIo } from "../../../src/doctor/io.ts";
import type { ExecOptions } from "../../../src/io/exec.ts";
import { fixtureConfig, run } from "./_context.ts";

const healthyShow = readFileSync(join(import.meta.dir, "..", "..", "fixtures", "systemd", "show-healthy.txt"), "utf8");

function recordingFacts(answer: (argv: string[]) => ReturnType<typeof run> | undefined) {
  const calls: { argv: string[]; options?: ExecOptions }[] = [];
  const io = createDoctorIo({
    run: async (argv, options) => {
      calls.push({ argv, options });
      return answer(argv);
    },
  });
  const facts = createFacts({ paths: resolvePaths({ HOME: "/home/alice" }), config: fixtureConfig("funnel-host"), io, mxhomeBinary: "/usr/local/bin/mxhome" });
  return { facts, calls };
}

describe("podman runtime adapters", () => {
  test("one `systemctl --user show` for services and timers, under TZ=UTC, shared by every check", async () => {
    const { facts, calls } = recordingFacts((argv) => (argv[0] === "systemctl" ? run(healthyShow) : undefined));
    const services = await facts.get(gatherServices);
    await facts.get(gatherUnits);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.argv.slice(0, 3)).toEqual(["systemctl", "--user", "show"]);
    expect(calls[0]!.argv.slice(4)).toEqual(["mxhome-postgres.service", "mxhome-synapse.service", "mxhome-caddy.service", "mxhome-purge.timer", "mxhome-kick.timer"]);
    expect(calls[0]!.options?.env?.TZ).toBe("UTC");
    expect(services.map((service) => [service.service, service.state, service.pid])).toEqual([
      ["postgres", "running", 2345],
      ["synapse", "running", 2411],
      ["caddy", "running", 2530],
    ]);
  });

  test("no user bus: unreachable, every service unknown", async () => {
    const { facts } = recordingFacts(() => run("", 1, "Failed to connect to bus: No medium found\n"));
    expect(await facts.get(gatherUnits)).toEqual({ reachable: false, error: "Failed to connect to bus: No medium found", units: {} });
    expect((await facts.get(gatherServices)).map((service) => service.state)).toEqual(["unknown", "unknown", "unknown"]);
  });

  test("SQL runs in the postgres container on the configured port", async () => {
    const { facts, calls } = recordingFacts(() => run("C\tC\tUTF8\t14392679\t17.6\n"));
    expect(await facts.get(gatherDatabase)).toEqual({ reachable: true, collate: "C", ctype: "C", encoding: "UTF8", sizeBytes: 14392679, serverVersion: "17.6" });
    expect(calls[0]!.argv.slice(0, 4)).toEqual(["podman", "exec", "mxhome-postgres", "psql"]);
    expect(calls[0]!.argv).toContain("--port=5433");
    expect(calls[0]!.argv).toContain("--username=synapse");
  });

  test("the container is not running: unreachable with psql's reason", async () => {
    const { facts } = recordingFacts(() => run("", 125, 'Error: no container with name or ID "mxhome-postgres" found: no such container\n'));
    expect(await facts.get(gatherDatabase)).toEqual({ reachable: false, error: 'Error: no container with name or ID "mxhome-postgres" found: no such container' });
  });
});
