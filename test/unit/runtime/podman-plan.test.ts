import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { images, synapseImage } from "../../../src/render/images.ts";
import { pinnedSynapseVersion } from "../../../src/runtime/native/synapse-lock.ts";
import { parsePodmanRecording, type PodmanRecording } from "../../../src/runtime/podman/observe.ts";
import { planPodmanDown, planPodmanUp } from "../../../src/runtime/podman/plan.ts";
import type { PodmanSynapse } from "../../../src/runtime/podman/synapse-image.ts";
import type { Action, DesiredState } from "../../../src/runtime/runtime.ts";

const fixtures = join(import.meta.dir, "..", "..", "fixtures", "podman");
const observe = async (name: string) => parsePodmanRecording((await Bun.file(join(fixtures, `${name}.json`)).json()) as PodmanRecording);

const desired: DesiredState = {
  writes: [],
  fingerprints: { postgres: "fp-postgres", synapse: "fp-synapse", caddy: "fp-caddy" },
  scale: [],
  timers: ["mxhome-purge.timer", "mxhome-kick.timer"],
  unitFilesChanged: false,
  funnelTarget: "http://127.0.0.1:8080",
};
const secrets = [{ name: "mxhome-postgres-password", fingerprint: "fp-secret" }];
/** The deployment runs (and recorded) the pin. */
const synapse: PodmanSynapse = { version: pinnedSynapseVersion, image: images.synapse, recorded: true, pinned: pinnedSynapseVersion };
const start = (service: "postgres" | "synapse" | "caddy", reason = "not running"): Action => ({ kind: "start", service, reason });

describe("planPodmanUp pulls missing images before any start", () => {
  test("only the ones not in the user's store, in start order", async () => {
    const recording = (await Bun.file(join(fixtures, "fresh-machine.json")).json()) as PodmanRecording;
    const observed = parsePodmanRecording({ ...recording, imageNames: `${images.synapse}\nlocalhost/other:latest\n` });
    const actions = planPodmanUp(desired, observed, secrets, synapse).actions;
    expect(actions.filter((a) => a.kind === "pull-image")).toEqual([
      { kind: "pull-image", image: images.postgres },
      { kind: "pull-image", image: images.caddy },
    ]);
    expect(actions.findIndex((a) => a.kind === "pull-image")).toBeLessThan(actions.findIndex((a) => a.kind === "start"));
  });

  test("nothing when the image list could not be read", async () => {
    const observed = await observe("all-running");
    expect(observed.images).toBeUndefined();
    expect(planPodmanUp(desired, observed, secrets, synapse).actions).toEqual([]);
  });
});

describe("planPodmanUp, from recorded machines", () => {
  const cases: { machine: string; actions: Action[]; blockers?: string[]; notes?: RegExp[] }[] = [
    {
      machine: "fresh-machine",
      actions: [
        { kind: "podman-secret", name: "mxhome-postgres-password", mode: "create" },
        { kind: "pull-image", image: images.postgres },
        { kind: "pull-image", image: images.synapse },
        { kind: "pull-image", image: images.caddy },
        { kind: "daemon-reload" },
        start("postgres", "first start"),
        start("synapse", "first start"),
        start("caddy", "first start"),
        { kind: "enable-units", units: ["mxhome-purge.timer", "mxhome-kick.timer"], start: true },
        { kind: "funnel-on", target: "http://127.0.0.1:8080" },
      ],
    },
    { machine: "all-running", actions: [] },
    { machine: "one-unit-failed", actions: [start("synapse", "it had failed (failed)")] },
    {
      machine: "not-operator-old-podman",
      actions: [
        { kind: "podman-secret", name: "mxhome-postgres-password", mode: "remove-and-create" },
        { kind: "restart", service: "postgres", reason: "its configuration changed" },
        { kind: "restart", service: "synapse", reason: "its configuration changed" },
      ],
      notes: [/sudo tailscale set --operator=\$USER/],
    },
    { machine: "podman-too-old", actions: [], blockers: ["podman.too-old"] },
    { machine: "no-linger", actions: [], blockers: ["podman.no-linger"] },
  ];
  for (const c of cases) {
    test(c.machine, async () => {
      const observed = await observe(c.machine);
      // The secret changed on the old-podman machine, so its users' fingerprints did too.
      const wanted =
        c.machine === "not-operator-old-podman"
          ? { ...desired, fingerprints: { ...desired.fingerprints, postgres: "fp-postgres-2", synapse: "fp-synapse-2" } }
          : desired;
      const plan = planPodmanUp(wanted, observed, secrets, synapse);
      expect(plan.actions).toEqual(c.actions);
      expect(plan.blockers.map((b) => b.code)).toEqual(c.blockers ?? []);
      for (const note of c.notes ?? []) expect(plan.notes.some((n) => note.test(n))).toBe(true);
    });
  }

  test("each blocker names its fix", async () => {
    const tooOld = planPodmanUp(desired, await observe("podman-too-old"), secrets, synapse).blockers[0]!;
    expect(tooOld.message).toContain("4.3.1");
    expect(tooOld.fix).toContain("4.5.0");
    expect(tooOld.fix).toContain('kind = "native"');
    const noLinger = planPodmanUp(desired, await observe("no-linger"), secrets, synapse).blockers[0]!;
    expect(noLinger.fix).toBe("loginctl enable-linger $USER");
  });

  test("changed unit files are written, then systemd reloads before anything starts", async () => {
    const file = { path: "/home/alice/.config/containers/systemd/mxhome-synapse.container", content: "x", mode: 0o644, affects: ["synapse" as const] };
    const plan = planPodmanUp(
      { ...desired, writes: [{ file, action: "update" }], unitFilesChanged: true, fingerprints: { ...desired.fingerprints, synapse: "fp-synapse-2" } },
      await observe("all-running"),
      secrets,
      synapse,
    );
    expect(plan.actions).toEqual([
      { kind: "write-files", files: [{ path: file.path, action: "update" }] },
      { kind: "daemon-reload" },
      { kind: "restart", service: "synapse", reason: "its configuration changed" },
    ]);
  });
});

describe("planPodmanUp keeps the deployment's Synapse: only `mxhome upgrade` moves it", () => {
  const older: PodmanSynapse = { version: "1.162.0", image: synapseImage("1.162.0"), recorded: true, pinned: "1.163.2" };

  test("an older recorded Synapse: its own image is pulled when missing, never the pin's; a note names `mxhome upgrade`", async () => {
    const recording = (await Bun.file(join(fixtures, "fresh-machine.json")).json()) as PodmanRecording;
    const observed = parsePodmanRecording({ ...recording, imageNames: `${images.postgres}\n${images.caddy}\n${images.synapse}\n` });
    const plan = planPodmanUp(desired, observed, secrets, older);
    expect(plan.actions.filter((a) => a.kind === "pull-image")).toEqual([{ kind: "pull-image", image: "ghcr.io/element-hq/synapse:v1.162.0" }]);
    expect(plan.actions.some((a) => a.kind === "record-synapse")).toBe(false);
    expect(plan.notes).toContain(
      "Synapse 1.162.0 keeps running: this mxhome pins 1.163.2, and `up` never moves Synapse by itself. `mxhome upgrade` does: a pre-upgrade archive first, then the new image, and back to 1.162.0 if it does not come up.",
    );
  });

  test("not recorded yet (a new deployment, or one from before the record): up records the version it renders, before any start", async () => {
    const plan = planPodmanUp(desired, await observe("fresh-machine"), secrets, { ...older, recorded: false });
    const record = plan.actions.findIndex((a) => a.kind === "record-synapse");
    expect(plan.actions[record]).toEqual({ kind: "record-synapse", source: { kind: "managed", version: "1.162.0" } });
    expect(record).toBeLessThan(plan.actions.findIndex((a) => a.kind === "start"));
  });

  test("at the pin, or newer: no note", async () => {
    const upgradeNote = (plan: { notes: string[] }) => plan.notes.filter((note) => note.includes("mxhome upgrade"));
    expect(upgradeNote(planPodmanUp(desired, await observe("all-running"), secrets, synapse))).toEqual([]);
    expect(upgradeNote(planPodmanUp(desired, await observe("all-running"), secrets, { ...older, version: "1.170.0" }))).toEqual([]);
  });
});

describe("planPodmanDown", () => {
  test("stops Caddy first, pauses the timers, turns off only mxhome's Funnel mapping", async () => {
    const plan = planPodmanDown(desired, await observe("all-running"));
    expect(plan.actions).toEqual([
      { kind: "stop", service: "caddy" },
      { kind: "stop", service: "synapse" },
      { kind: "stop", service: "postgres" },
      { kind: "disable-units", units: ["mxhome-purge.timer", "mxhome-kick.timer"], stop: true },
      { kind: "funnel-off", target: "http://127.0.0.1:8080" },
    ]);
  });

  test("leaves someone else's Funnel mapping alone", async () => {
    const plan = planPodmanDown({ ...desired, funnelTarget: "http://127.0.0.1:9999" }, await observe("all-running"));
    expect(plan.actions.some((action) => action.kind === "funnel-off")).toBe(false);
  });
});

describe("[scale] workers under podman: units for Redis and each worker", () => {
  const unitBlock = (id: string, active: string) => `Id=${id}\nLoadState=loaded\nActiveState=${active}\nSubState=${active === "active" ? "running" : "dead"}\nUnitFileState=generated\n`;
  /** all-running, plus Redis and worker1 units on disk in the given states. */
  async function withScale(states: Record<string, string>, startedWith: Record<string, string> = {}) {
    const recording = (await Bun.file(join(fixtures, "all-running.json")).json()) as PodmanRecording;
    const blocks = Object.entries(states).map(([name, active]) => unitBlock(name === "redis" ? "mxhome-redis.service" : `mxhome-synapse-${name}.service`, active));
    return parsePodmanRecording({
      ...recording,
      systemctlShow: [recording.systemctlShow, ...blocks].join("\n"),
      scaleUnitsOnDisk: Object.keys(states),
      startedWith: { ...recording.startedWith, ...startedWith },
    });
  }
  const on: DesiredState = {
    ...desired,
    fingerprints: { ...desired.fingerprints, synapse: "fp-synapse-2", caddy: "fp-caddy-2" },
    scale: [
      { name: "redis", fingerprint: "fp-redis" },
      { name: "worker1", fingerprint: "fp-worker1" },
    ],
    unitFilesChanged: true,
  };

  test("on: Redis starts before the main process restarts, the worker after it, then Caddy (its routes)", async () => {
    const recording = (await Bun.file(join(fixtures, "all-running.json")).json()) as PodmanRecording;
    const plan = planPodmanUp(on, parsePodmanRecording({ ...recording, imageNames: `${images.postgres}\n${images.synapse}\n${images.caddy}\n` }), secrets, synapse);
    expect(plan.actions).toEqual([
      { kind: "pull-image", image: images.redis },
      { kind: "daemon-reload" },
      { kind: "start-process", process: "redis", reason: "not running" },
      { kind: "restart", service: "synapse", reason: "its configuration changed" },
      { kind: "start-process", process: "worker1", reason: "not running" },
      { kind: "restart", service: "caddy", reason: "its configuration changed" },
    ]);
  });

  test("on and current: nothing; a failed worker starts again; a restarted PostgreSQL restarts the worker too", async () => {
    const current = { ...on, fingerprints: desired.fingerprints, unitFilesChanged: false };
    const started = { redis: "fp-redis", worker1: "fp-worker1" };
    expect(planPodmanUp(current, await withScale({ redis: "active", worker1: "active" }, started), secrets, synapse).actions).toEqual([]);
    expect(planPodmanUp(current, await withScale({ redis: "active", worker1: "failed" }, started), secrets, synapse).actions).toEqual([
      { kind: "start-process", process: "worker1", reason: "it had stopped unexpectedly" },
    ]);
    const postgresChanged = { ...current, fingerprints: { ...current.fingerprints, postgres: "fp-postgres-2" } };
    expect(planPodmanUp(postgresChanged, await withScale({ redis: "active", worker1: "active" }, started), secrets, synapse).actions).toEqual([
      { kind: "restart", service: "postgres", reason: "its configuration changed" },
      { kind: "restart-process", process: "worker1", reason: "PostgreSQL restarted under it" },
    ]);
  });

  test("off: the worker, then Redis stop and their units go before systemd reloads and the main process restarts without them", async () => {
    const off = { ...desired, fingerprints: { ...desired.fingerprints, synapse: "fp-synapse-3", caddy: "fp-caddy-3" }, unitFilesChanged: true };
    expect(planPodmanUp(off, await withScale({ redis: "active", worker1: "failed" }), secrets, synapse).actions).toEqual([
      { kind: "stop-process", process: "worker1", reason: "[scale] workers no longer asks for it; it had failed" },
      { kind: "stop-process", process: "redis", reason: "[scale] workers no longer asks for it" },
      { kind: "remove-units", files: ["mxhome-synapse-worker1.container", "mxhome-redis.container"] },
      { kind: "daemon-reload" },
      { kind: "restart", service: "synapse", reason: "its configuration changed" },
      { kind: "restart", service: "caddy", reason: "its configuration changed" },
    ]);
  });

  test("fewer workers: the extra one's unit goes, and systemd reloads even when no other unit changed", async () => {
    const one = { ...on, fingerprints: desired.fingerprints, unitFilesChanged: false };
    const plan = planPodmanUp(one, await withScale({ redis: "active", worker1: "active", worker2: "inactive" }, { redis: "fp-redis", worker1: "fp-worker1" }), secrets, synapse);
    expect(plan.actions).toEqual([{ kind: "remove-units", files: ["mxhome-synapse-worker2.container"] }, { kind: "daemon-reload" }]);
  });

  test("down: Caddy, the workers, the main process, Redis, PostgreSQL", async () => {
    const plan = planPodmanDown(on, await withScale({ redis: "active", worker1: "active" }));
    expect(plan.actions.filter((action) => action.kind === "stop" || action.kind === "stop-process")).toEqual([
      { kind: "stop", service: "caddy" },
      { kind: "stop-process", process: "worker1", reason: "mxhome down" },
      { kind: "stop", service: "synapse" },
      { kind: "stop-process", process: "redis", reason: "mxhome down" },
      { kind: "stop", service: "postgres" },
    ]);
  });
});
