import { describe, expect, test } from "bun:test";
import { durationModel, pollDelays } from "../../../src/purge/polling.ts";

const first = (expectedMs: number, count: number) => {
  const delays: number[] = [];
  for (const delay of pollDelays(expectedMs)) {
    delays.push(delay);
    if (delays.length === count) return delays;
  }
  return delays;
};

describe("pollDelays", () => {
  test.each([
    [500, [400, 100, 150, 225, 338, 507, 761, 1000, 1000]],
    [100, [80, 50, 75, 113, 170]],
    [10, [50, 50, 75]],
    [60_000, [1000, 250, 375, 563, 845, 1000]],
  ])("expected %d ms → %j", (expected, delays) => expect(first(expected, delays.length)).toEqual(delays));
});

describe("durationModel", () => {
  test("starts from its initial guess", () => {
    expect(durationModel(1, 30).expect(200)).toBe(230);
    expect(durationModel(1, 30).expect(0)).toBe(31);
  });

  test("moves toward what it observes", () => {
    const model = durationModel(1, 30);
    for (let i = 0; i < 30; i++) model.observe(200, 30 + 200 * 3);
    expect(model.expect(200)).toBeCloseTo(630, 0);
    for (let i = 0; i < 30; i++) model.observe(100, 30 + 100 * 0.5);
    expect(model.expect(100)).toBeCloseTo(80, 0);
  });

  test("a task faster than its fixed part counts as zero per event", () => {
    const model = durationModel(1, 30);
    for (let i = 0; i < 50; i++) model.observe(10, 5);
    expect(model.expect(10)).toBeCloseTo(30, 1);
  });
});
