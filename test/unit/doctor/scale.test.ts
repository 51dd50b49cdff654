import { describe, expect, test } from "bun:test";
import { judgeReplication } from "../../../src/doctor/checks/scale/replication.ts";
import { judgeWorkers } from "../../../src/doctor/checks/scale/workers.ts";
import type { ScaleProcessObservation } from "../../../src/doctor/facts/scale.ts";

const process = (name: string, changes: Partial<ScaleProcessObservation> = {}): ScaleProcessObservation => ({
  name,
  wanted: true,
  state: "running",
  pid: 100,
  healthy: true,
  ...(name === "redis" ? {} : { port: 8100 + Number(name.replace("worker", "")) }),
  log: `/s/logs/${name}.log`,
  ...changes,
});

describe("workers", () => {
  test("off: ok, saying so", () => expect(judgeWorkers([])).toMatchObject({ status: "ok", detail: expect.stringContaining("workers off") }));
  test("all healthy: ok, each named with its port", () => {
    expect(judgeWorkers([process("redis"), process("worker1"), process("worker2")]).detail).toBe("redis, Synapse worker1 on 127.0.0.1:8101, Synapse worker2 on 127.0.0.1:8102 healthy");
  });
  test("a worker died: fail naming it, its log, and `mxhome up`", () => {
    const verdict = judgeWorkers([process("redis"), process("worker1", { state: "died", pid: undefined, healthy: false })]);
    expect(verdict).toMatchObject({ status: "fail", detail: "Synapse worker1 is not running: it stopped unexpectedly." });
    expect(verdict.fix).toContain("mxhome up   # starts Synapse worker1; its log: /s/logs/worker1.log");
  });
  test("Redis down: fail saying what it costs, with the install command in case it is missing", () => {
    const verdict = judgeWorkers([process("redis", { state: "stopped", pid: undefined, healthy: false }), process("worker1")]);
    expect(verdict.detail).toContain("redis is not running. Without Redis the workers get no replication");
    expect(verdict.fix).toContain("sudo apt install redis-server");
  });
  test("running but not answering", () => {
    expect(judgeWorkers([process("redis"), process("worker1", { healthy: false })]).detail).toBe("Synapse worker1 (pid 100) runs but does not answer /health on 127.0.0.1:8101.");
  });
  test("podman: each names its unit, and its journal as the log; Redis down needs no install", () => {
    const unit = (name: string) => (name === "redis" ? "mxhome-redis.service" : `mxhome-synapse-${name}.service`);
    const podman = (name: string, changes: Partial<ScaleProcessObservation> = {}) => process(name, { unit: unit(name), log: `journalctl --user -u ${unit(name)}`, ...changes });
    expect(judgeWorkers([podman("redis"), podman("worker1")]).detail).toBe("redis (mxhome-redis.service), Synapse worker1 (mxhome-synapse-worker1.service) on 127.0.0.1:8101 healthy");
    const failed = judgeWorkers([podman("redis", { state: "died", pid: undefined, healthy: false }), podman("worker1", { healthy: false })]);
    expect(failed.detail).toBe(
      "redis (mxhome-redis.service) is not running: its unit failed; Synapse worker1 (mxhome-synapse-worker1.service) runs but does not answer /health on 127.0.0.1:8101. Without Redis the workers get no replication: their /sync stops seeing new messages.",
    );
    expect(failed.fix).toBe("mxhome up   # starts redis, Synapse worker1; its log: journalctl --user -u mxhome-redis.service");
  });
  test("a leftover from a larger setting: warn, `mxhome up` stops it", () => {
    expect(judgeWorkers([process("redis"), process("worker1"), process("worker2", { wanted: false })])).toMatchObject({ status: "warn", fix: "mxhome up   # stops them" });
  });
});

describe("replication", () => {
  test("no healthy worker: skip", () => expect(judgeReplication([]).status).toBe("skip"));
  test("seen within the bound: ok with the time per worker", () => {
    expect(judgeReplication([{ worker: "worker1", port: 8101, seenAfterMs: 42 }]).detail).toBe("replication works: worker worker1: seen after 42 ms");
  });
  test("not seen: fail naming the worker and its port", () => {
    const verdict = judgeReplication([{ worker: "worker1", port: 8101, seenAfterMs: 40 }, { worker: "worker2", port: 8102 }]);
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("did not reach the /sync of worker2 (127.0.0.1:8102) within 10 s");
    expect(verdict.fix).toContain("mxhome up");
  });
});
