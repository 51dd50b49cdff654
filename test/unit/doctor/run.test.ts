import { describe, expect, test } from "bun:test";
import { doctorChecks } from "../../../src/doctor/checks/index.ts";
import { runChecks, selectChecks, withPrerequisites } from "../../../src/doctor/run.ts";
import { categories, type Check, fail, ok, warn } from "../../../src/doctor/types.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { fixtureConfig, unitContext } from "./_context.ts";

const check = (id: string, fields: Partial<Check> = {}): Check => ({ id, category: "host", title: id, run: () => ok(`${id} fine`), ...fields });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the registry", () => {
  test("ids are unique and kebab-case; prerequisites exist and come first; categories are known", () => {
    const ids = doctorChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of doctorChecks) {
      expect(c.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(categories).toContain(c.category);
      for (const prerequisite of c.after ?? []) expect(ids.indexOf(prerequisite)).toBeGreaterThanOrEqual(0);
    }
  });

  test("checks are grouped by category in the registry's order", () => {
    const order = doctorChecks.map((c) => categories.indexOf(c.category));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe("runChecks", () => {
  test("runs checks in parallel and keeps the registry's order", async () => {
    const started: string[] = [];
    const checks = [
      check("slow", { run: async () => (started.push("slow"), await sleep(60), ok("slow")) }),
      check("fast", { run: async () => (started.push("fast"), ok("fast")) }),
    ];
    const before = performance.now();
    const report = await runChecks(checks, unitContext());
    expect(report.checks.map((r) => r.id)).toEqual(["slow", "fast"]);
    expect(started).toEqual(["slow", "fast"]);
    expect(performance.now() - before).toBeLessThan(150);
  });

  test("an exception becomes a fail with a fix; a timeout too", async () => {
    const report = await runChecks(
      [check("throws", { run: () => { throw new Error("boom\nstack"); } }), check("hangs", { timeoutMs: 20, run: () => new Promise(() => {}) })],
      unitContext(),
    );
    expect(report.checks.map((r) => [r.id, r.status])).toEqual([["throws", "fail"], ["hangs", "fail"]]);
    expect(report.checks[0]!.detail).toContain("boom");
    expect(report.checks[1]!.detail).toContain("0.02 s");
    for (const result of report.checks) expect(result.fix).toBeTruthy();
  });

  test.each([
    ["a failed prerequisite", fail("down", "fix it"), "skip", "needs base, which failed"],
    ["a skipped prerequisite", { status: "skip", detail: "n/a" } as const, "skip", "needs base, which was skipped"],
    ["a warned prerequisite", warn("meh", "fix it"), "ok", "dependent fine"],
  ] as const)("%s", async (_name, verdict, status, detail) => {
    const report = await runChecks([check("base", { run: () => verdict }), check("dependent", { after: ["base"] })], unitContext());
    expect(report.checks[1]).toMatchObject({ status, detail });
  });

  test("runtime, config and --offline gates", async () => {
    const checks = [
      check("podman-only", { runtimes: ["podman"] }),
      check("native-only", { runtimes: ["native"] }),
      check("public", { public: true }),
      check("no-config-needed", { needsConfig: false }),
    ];
    const native = await runChecks(checks, unitContext({ config: fixtureConfig("native"), offline: true }));
    expect(native.checks.map((r) => r.status)).toEqual(["skip", "ok", "skip", "ok"]);
    expect(native.checks[2]!.detail).toContain("--offline");
    const noConfig = await runChecks(checks, unitContext({ config: undefined }));
    expect(noConfig.checks.map((r) => r.status)).toEqual(["skip", "skip", "skip", "ok"]);
  });

  test("--only selects an id or a category, runs what they need, shows only them", async () => {
    let baseRuns = 0;
    const checks = [check("base", { run: () => (baseRuns++, ok("base")) }), check("dependent", { after: ["base"] }), check("other", { category: "jobs" })];
    const report = await runChecks(checks, unitContext(), { only: "dependent" });
    expect(report.checks.map((r) => r.id)).toEqual(["dependent"]);
    expect(baseRuns).toBe(1);
    expect((await runChecks(checks, unitContext(), { only: "jobs" })).checks.map((r) => r.id)).toEqual(["other"]);
    expect(() => selectChecks(checks, "nope")).toThrow(MxError);
    expect(withPrerequisites(checks, [checks[1]!]).map((c) => c.id)).toEqual(["base", "dependent"]);
  });

  test("the summary counts every status", async () => {
    const report = await runChecks([check("a"), check("b", { run: () => warn("w", "f") }), check("c", { runtimes: ["native"] })], unitContext());
    expect(report.summary).toEqual({ ok: 1, info: 0, warn: 1, fail: 0, skip: 1 });
  });
});
