import { describe, expect, test } from "bun:test";
import { planJobs, runAlone, staleDurations } from "../../../scripts/test-plan.ts";

const files = [
  "test/unit/a.test.ts",
  "test/unit/b.test.ts",
  "test/integration/short.test.ts",
  "test/integration/long.test.ts",
  "test/integration/catchup/catch-up.test.ts",
  "test/podman-box/runtime.test.ts",
];
const durations = { "test/integration/long.test.ts": 200, "test/integration/short.test.ts": 5, "test/unit/": 10, typecheck: 8 };

describe("planJobs", () => {
  const jobs = planJobs(files, durations, { withBox: true });

  test("the box suites are one root job, first; unit tests one job; every other file its own", () => {
    expect(jobs[0]).toMatchObject({ label: "test/podman-box/", files: ["test/podman-box/runtime.test.ts"], asRoot: true });
    expect(jobs.find((job) => job.label === "test/unit/")?.files).toEqual(["test/unit/a.test.ts", "test/unit/b.test.ts"]);
    expect(jobs.filter((job) => !job.asRoot).map((job) => job.label).sort()).toEqual(
      ["test/integration/catchup/catch-up.test.ts", "test/integration/long.test.ts", "test/integration/short.test.ts", "test/unit/", "typecheck"].sort(),
    );
  });

  test("longest first; a file nobody timed counts as 30 s", () => {
    expect(jobs.slice(1).map((job) => [job.label, job.weight])).toEqual([
      ["test/integration/long.test.ts", 200],
      ["test/integration/catchup/catch-up.test.ts", 30],
      ["test/unit/", 10],
      ["typecheck", 8],
      ["test/integration/short.test.ts", 5],
    ]);
  });

  test("only the timing-bound suites run alone", () => {
    expect(jobs.filter((job) => job.alone).map((job) => job.label)).toEqual(["test/integration/catchup/catch-up.test.ts"]);
    expect(runAlone.has("test/integration/workers/workers.test.ts")).toBe(true);
  });

  test("without root there is no box job", () => {
    expect(planJobs(files, durations, { withBox: false }).some((job) => job.asRoot)).toBe(false);
  });
});

test("staleDurations names table entries no job has", () => {
  expect(staleDurations(files, { ...durations, "test/integration/gone.test.ts": 3 })).toEqual(["test/integration/gone.test.ts"]);
});
