import { describe, expect, test } from "bun:test";
import { checkMemoryHigh, memoryHighForRam } from "../../../src/config/resources.ts";
import { applyAnswers } from "../../../src/init/answers.ts";

const GiB = 1024 ** 3;

describe("memoryHighForRam", () => {
  test.each([
    ["a 2 GB VPS-sized PC: the 1G floor", 2 * GiB, "1G"],
    ["4 GB", 4 * GiB, "1G"],
    ["6 GB: a quarter, in MiB", 6 * GiB, "1536M"],
    ["8 GB", 8 * GiB, "2G"],
    ["what /proc/meminfo says for 16 GB (a little less)", 16 * GiB - 300 * 1024 ** 2, "3840M"],
    ["32 GB: the 4G cap", 32 * GiB, "4G"],
    ["0 (unreadable)", 0, "1G"],
  ] as const)("%s", (_name, total, expected) => expect(memoryHighForRam(total)).toBe(expected));

  test("every value it picks passes the schema's check", () => {
    for (let gib = 0; gib <= 64; gib += 0.5) expect(checkMemoryHigh(memoryHighForRam(gib * GiB))).toBeUndefined();
  });
});

describe("checkMemoryHigh", () => {
  test.each(["2G", "1536M", "1073741824", "512K", "1T", "infinity"])("accepts %s", (value) => expect(checkMemoryHigh(value)).toBeUndefined());
  test.each(["", "2GB", "2g", "-1G", "0", "0G", "1.5G", "max", "50%"])("refuses %p", (value) => expect(checkMemoryHigh(value)).toContain("2G"));
});

test("init's --memory-high goes through the same check", () => {
  const { config, problems } = applyAnswers(undefined, { "server-name": "x.org", "memory-high": "3G" });
  expect(problems).toEqual([]);
  expect(config.resources.memory_high).toBe("3G");
  expect(applyAnswers(undefined, { "server-name": "x.org", "memory-high": "lots" }).problems[0]?.message).toMatch(/--memory-high "lots" is invalid.*2G/);
});
