import { describe, expect, test } from "bun:test";
import { forEachBounded, throttledProgress } from "../../../src/purge/bounded.ts";

describe("forEachBounded", () => {
  test("never more than the limit in flight; every item once", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachBounded([...Array(20).keys()], 5, async (item) => {
      peak = Math.max(peak, ++inFlight);
      await Bun.sleep(item % 3);
      seen.push(item);
      inFlight--;
    });
    expect(peak).toBe(5);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  test("a failure stops new starts and is rethrown after the running ones settle", async () => {
    const started: number[] = [];
    let running = 0;
    const work = forEachBounded([...Array(10).keys()], 2, async (item) => {
      started.push(item);
      running++;
      await Bun.sleep(5);
      running--;
      if (item === 1) throw new Error("room 1 failed");
    });
    await expect(work).rejects.toThrow("room 1 failed");
    expect(running).toBe(0);
    expect(started.length).toBeLessThan(10);
  });

  test("no items, no work", async () => {
    await forEachBounded([], 5, async () => {
      throw new Error("never");
    });
  });
});

describe("throttledProgress", () => {
  test("at most one line per interval, and always the last", () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = throttledProgress((line) => lines.push(line), 1_000, () => clock);
    for (let done = 1; done <= 10; done++) {
      clock = done * 300;
      progress(done, 10, (count, total) => `${count}/${total}`);
    }
    expect(lines).toEqual(["1/10", "5/10", "9/10", "10/10"]);
  });
});
