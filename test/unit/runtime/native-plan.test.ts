import { describe, expect, test } from "bun:test";
import type { NativeObservation } from "../../../src/runtime/native/observe.ts";
import { planNativeDown, planNativeUp } from "../../../src/runtime/native/plan.ts";
import type { Action, DesiredState } from "../../../src/runtime/runtime.ts";
import { readyPrograms } from "./_programs.ts";

const desired: DesiredState = {
  writes: [],
  fingerprints: { postgres: "fp-postgres", synapse: "fp-synapse", caddy: "fp-caddy" },
  scale: [],
  timers: ["mxhome-purge.timer"],
  unitFilesChanged: false,
  funnelTarget: "http://127.0.0.1:8080",
};
const all = <T>(value: T) => ({ postgres: value, synapse: value, caddy: value });
const observed = (changes: Partial<NativeObservation> = {}): NativeObservation => ({
  clusterExists: true,
  running: all(true),
  died: all(false),
  portTaken: {},
  startedWith: { ...desired.fingerprints },
  host: { systemd: { reachable: false, units: {} }, tailscale: { installed: false, running: false, operator: undefined, funnelTarget: undefined } },
  programs: readyPrograms(),
  scale: {},
  ...changes,
});

describe("planNativeUp", () => {
  const cases: { name: string; observed: NativeObservation; desired?: Partial<DesiredState>; actions: Action[] }[] = [
    {
      name: "a fresh machine: cluster, database, then each service in order",
      observed: observed({ clusterExists: false, running: all(false), startedWith: {} }),
      actions: [
        { kind: "init-database-cluster" },
        { kind: "start", service: "postgres", reason: "not running" },
        { kind: "create-database" },
        { kind: "start", service: "synapse", reason: "not running" },
        { kind: "start", service: "caddy", reason: "not running" },
      ],
    },
    { name: "everything current: nothing", observed: observed(), actions: [] },
    {
      name: "PostgreSQL killed behind mxhome's back: started again, database re-checked",
      observed: observed({ running: { ...all(true), postgres: false }, died: { ...all(false), postgres: true } }),
      actions: [
        { kind: "start", service: "postgres", reason: "it had stopped unexpectedly" },
        { kind: "create-database" },
        { kind: "restart", service: "synapse", reason: "PostgreSQL restarted under it" },
      ],
    },
    {
      name: "only the service whose inputs changed restarts",
      observed: observed(),
      desired: { fingerprints: { ...desired.fingerprints, synapse: "fp-synapse-2" } },
      actions: [{ kind: "restart", service: "synapse", reason: "its configuration changed" }],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plan = planNativeUp({ ...desired, ...c.desired }, c.observed);
      expect(plan.actions).toEqual(c.actions);
      expect(plan.blockers).toEqual([]);
    });
  }

  test("a port taken by another program blocks up and names the setting", () => {
    const plan = planNativeUp(desired, observed({ running: { ...all(true), synapse: false }, portTaken: { synapse: 8008 } }));
    expect(plan.blockers).toHaveLength(1);
    expect(plan.blockers[0]!.message).toContain("port 8008");
    expect(plan.blockers[0]!.fix).toContain("network.synapse_port");
  });

  test("notes say why timers and Funnel were not set up", () => {
    const notes = planNativeUp(desired, observed()).notes.join("\n");
    expect(notes).toContain("timers are not enabled");
    expect(notes).toContain("Tailscale is not installed");
  });

  test("with a user systemd: timers enabled, and the login unit so daemons return after a reboot", () => {
    const systemd = { reachable: true, units: {} };
    const plan = planNativeUp(desired, observed({ host: { ...observed().host, systemd } }));
    expect(plan.actions).toEqual([
      { kind: "daemon-reload" },
      { kind: "enable-units", units: ["mxhome-purge.timer"], start: true },
      { kind: "enable-units", units: ["mxhome-up.service"], start: false },
    ]);
  });
});

describe("planNativeDown", () => {
  test("stops only what runs, Caddy first", () => {
    const plan = planNativeDown(desired, observed({ running: { ...all(true), synapse: false } }));
    expect(plan.actions).toEqual([
      { kind: "stop", service: "caddy" },
      { kind: "stop", service: "postgres" },
    ]);
  });
});

describe("planNativeUp with [scale] workers", () => {
  const scale = [
    { name: "redis", fingerprint: "fp-redis" },
    { name: "worker1", fingerprint: "fp-worker1" },
    { name: "worker2", fingerprint: "fp-worker2" },
  ];
  const on: DesiredState = { ...desired, scale };
  const started = { ...desired.fingerprints, redis: "fp-redis", worker1: "fp-worker1", worker2: "fp-worker2" };
  const allUp = { redis: true, worker1: true, worker2: true };

  test("off → on: Redis before the main process restarts, the workers after it, Caddy last", () => {
    const plan = planNativeUp({ ...on, fingerprints: { ...desired.fingerprints, synapse: "fp-synapse-2", caddy: "fp-caddy-2" } }, observed());
    expect(plan.actions).toEqual([
      { kind: "start-process", process: "redis", reason: "not running" },
      { kind: "restart", service: "synapse", reason: "its configuration changed" },
      { kind: "start-process", process: "worker1", reason: "not running" },
      { kind: "start-process", process: "worker2", reason: "not running" },
      { kind: "restart", service: "caddy", reason: "its configuration changed" },
    ]);
  });

  test("on → off: workers stop before the main process restarts without them, Redis after it", () => {
    const plan = planNativeUp({ ...desired, fingerprints: { ...desired.fingerprints, synapse: "fp-synapse-2", caddy: "fp-caddy-2" } }, observed({ scale: allUp, startedWith: started }));
    expect(plan.actions).toEqual([
      { kind: "stop-process", process: "worker1", reason: "[scale] workers no longer asks for it" },
      { kind: "stop-process", process: "worker2", reason: "[scale] workers no longer asks for it" },
      { kind: "restart", service: "synapse", reason: "its configuration changed" },
      { kind: "stop-process", process: "redis", reason: "[scale] workers no longer asks for it" },
      { kind: "restart", service: "caddy", reason: "its configuration changed" },
    ]);
  });

  test("all current: nothing; a killed worker is started again", () => {
    expect(planNativeUp(on, observed({ scale: allUp, startedWith: started })).actions).toEqual([]);
    expect(planNativeUp(on, observed({ scale: { ...allUp, worker2: false }, startedWith: started })).actions).toEqual([
      { kind: "start-process", process: "worker2", reason: "it had stopped unexpectedly" },
    ]);
  });

  test("a worker restarts when its inputs changed, or when PostgreSQL restarts under it", () => {
    expect(planNativeUp({ ...on, scale: [scale[0]!, { name: "worker1", fingerprint: "fp-worker1-2" }, scale[2]!] }, observed({ scale: allUp, startedWith: started })).actions).toEqual([
      { kind: "restart-process", process: "worker1", reason: "its configuration changed" },
    ]);
    const postgresDied = observed({ scale: allUp, startedWith: started, running: { ...all(true), postgres: false }, died: { ...all(false), postgres: true } });
    expect(planNativeUp(on, postgresDied).actions.filter((action) => action.kind === "restart-process").map((action) => "process" in action && action.process)).toEqual(["worker1", "worker2"]);
  });

  test("fewer workers: the extra one stops; a dead leftover's pid file is cleared too", () => {
    const two = { ...on, scale: scale.slice(0, 2) };
    expect(planNativeUp(two, observed({ scale: allUp, startedWith: started })).actions).toEqual([
      { kind: "stop-process", process: "worker2", reason: "[scale] workers no longer asks for it" },
    ]);
    expect(planNativeUp(two, observed({ scale: { ...allUp, worker2: false }, startedWith: started })).actions[0]).toMatchObject({ kind: "stop-process", process: "worker2" });
  });

  test("a managed venv from before the lock held the redis extra is rebuilt; a python of your own blocks with the pip fix", () => {
    const old = readyPrograms({ probe: { ...readyPrograms().synapse.probe, redis: undefined } });
    expect(planNativeUp(on, observed({ programs: old })).actions[0]).toEqual({ kind: "install-synapse", version: "1.163.2", reason: "its venv lacks the redis extra (txredisapi) that workers need" });
    expect(planNativeUp(desired, observed({ programs: old })).actions).toEqual([]);
    const own = readyPrograms({ origin: "override", python: "/opt/s/bin/python", probe: { python: "/opt/s/bin/python", runs: true, synapse: "1.163.2", driver: "2.9.13" } });
    expect(planNativeUp(on, observed({ programs: own })).blockers).toEqual([
      expect.objectContaining({ code: "native.synapse-redis-missing", fix: expect.stringContaining('/opt/s/bin/python -m pip install "matrix-synapse[redis]==1.163.2"') }),
    ]);
  });

  test("redis-server missing: up is blocked before anything starts, with the install command", () => {
    const plan = planNativeUp(on, observed({ programs: readyPrograms({}, { redis: {} }) }));
    expect(plan.blockers).toEqual([expect.objectContaining({ code: "native.redis-missing", fix: expect.stringContaining("sudo apt install redis-server") })]);
  });

  test("down: Caddy, the workers, Synapse, Redis, PostgreSQL", () => {
    expect(planNativeDown(on, observed({ scale: allUp })).actions).toEqual([
      { kind: "stop", service: "caddy" },
      { kind: "stop-process", process: "worker1", reason: "mxhome down" },
      { kind: "stop-process", process: "worker2", reason: "mxhome down" },
      { kind: "stop", service: "synapse" },
      { kind: "stop-process", process: "redis", reason: "mxhome down" },
      { kind: "stop", service: "postgres" },
    ]);
  });
});
