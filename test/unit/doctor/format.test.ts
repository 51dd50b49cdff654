import { expect, test } from "bun:test";
import { formatDoctorReport } from "../../../src/doctor/format.ts";
import { summarize } from "../../../src/doctor/run.ts";
import type { CheckResult } from "../../../src/doctor/types.ts";

const result = (fields: Partial<CheckResult> & Pick<CheckResult, "id" | "category" | "status">): CheckResult =>
  ({ title: fields.id, detail: `${fields.id} detail`, durationMs: 3, ...fields }) as CheckResult;

const checks: CheckResult[] = [
  result({ id: "podman", category: "host", status: "skip", detail: "does not apply to the native runtime" }),
  result({ id: "memory", category: "host", status: "ok" }),
  result({ id: "rendered-files", category: "config", status: "fail", fix: "mxhome up --force", details: Array.from({ length: 20 }, (_, i) => `+line ${i}`) }),
  result({ id: "outbound", category: "exposure", status: "info", fix: "set a proxy" }),
];
const report = { checks, summary: summarize(checks) };

test("grouped by category, plain words without colour, fixes under warn and fail, long details cut", () => {
  const text = formatDoctorReport(report, { color: false, verbose: false });
  expect(text).toStartWith("Host\n  SKIP podman          does not apply");
  expect(text).toContain("\n\nConfiguration\n  FAIL rendered-files  rendered-files detail\n");
  expect(text).toContain("fix: mxhome up --force");
  expect(text).toContain("+line 11");
  expect(text).not.toContain("+line 12");
  expect(text).toContain("… 8 more lines (--verbose shows them)");
  expect(text).not.toContain("set a proxy");
  expect(text).toContain("1 ok · 1 info · 0 warn · 1 fail · 1 skipped\nProblems found");
  expect(text).not.toContain("\x1b[");
});

test("--verbose shows every detail, every fix and timings; colour uses icons", () => {
  const verbose = formatDoctorReport(report, { color: false, verbose: true });
  expect(verbose).toContain("+line 19");
  expect(verbose).toContain("fix: set a proxy");
  expect(verbose).toContain("(3 ms)");
  const coloured = formatDoctorReport(report, { color: true, verbose: false });
  expect(coloured).toContain("✖");
  expect(coloured).toContain("\x1b[");
});
