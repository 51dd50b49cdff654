import { describe, expect, test } from "bun:test";
import type { NativeObservation } from "../../../src/runtime/native/observe.ts";
import { planNativeDown, planNativeUp } from "../../../src/runtime/native/plan.ts";
import type { Action, DesiredState } from "../../../src/runtime/runtime.ts";
import { readyPrograms } from "./_programs.ts";

const desired: DesiredState = {
  writes: [],
  fingerprints: { postgres: "fp-postgres", synapse: "fp-synapse", caddy: "fp-caddy" },
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
