import { describe, expect, test } from "bun:test";
import { parseDuration, parseIsoTime, resolveCutoff } from "../../../src/purge/cutoff.ts";

const now = new Date("2025-06-15T12:00:00.000Z");
const day = 86_400_000;

describe("parseDuration", () => {
  test.each([
    ["7d", 7 * day],
    ["36h", 36 * 3_600_000],
    ["90m", 90 * 60_000],
    ["45s", 45_000],
    ["2w", 14 * day],
    ["1d12h", 36 * 3_600_000],
    [" 3d ", 3 * day],
    ["0s", 0],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(["", "7", "d", "7days", "-1d", "1.5d", "7D", "1d 2h", "7y", "99999999999999999999d"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("parseIsoTime", () => {
  test.each([
    ["2025-06-01T12:00:00Z", "2025-06-01T12:00:00.000Z"],
    ["2025-06-01T12:00Z", "2025-06-01T12:00:00.000Z"],
    ["2025-06-01T14:00:00+02:00", "2025-06-01T12:00:00.000Z"],
    ["2025-06-01T12:00:00.123Z", "2025-06-01T12:00:00.123Z"],
    ["2025-06-01", "2025-06-01T00:00:00.000Z"],
  ])("%s", (text, iso) => expect(parseIsoTime(text)?.toISOString()).toBe(iso));

  // Without a zone the moment would depend on the machine's time zone.
  test.each(["2025-06-01T12:00:00", "yesterday", "1717243200", "2025-13-01T00:00:00Z", "2025-06-01 12:00:00Z"])("rejects %j", (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });
});

describe("resolveCutoff", () => {
  test("retention days, counted back from now", () => {
    expect(resolveCutoff({ now, retentionDays: 14 })).toEqual({
      asOf: now,
      windowMs: 14 * day,
      windowText: "14d",
      windowSource: "retention",
      before: new Date("2025-06-01T12:00:00.000Z"),
    });
  });

  test("--older-than overrides retention for the run", () => {
    const cutoff = resolveCutoff({ now, retentionDays: 14, olderThan: "36h" });
    expect(cutoff).toMatchObject({ windowText: "36h", windowSource: "--older-than", before: new Date("2025-06-14T00:00:00.000Z") });
  });

  test("--as-of evaluates as if at that moment", () => {
    const cutoff = resolveCutoff({ now, retentionDays: 7, asOf: "2025-06-10T00:00:00Z" });
    expect(cutoff.asOf.toISOString()).toBe("2025-06-10T00:00:00.000Z");
    expect(cutoff.before.toISOString()).toBe("2025-06-03T00:00:00.000Z");
  });

  test("--as-of now is allowed; nothing newer than the window ever goes", () => {
    expect(resolveCutoff({ now, retentionDays: 1, asOf: now.toISOString() }).before.getTime()).toBe(now.getTime() - day);
  });

  test.each([
    [{ asOf: "2025-06-15T12:00:01Z" }, "purge.as-of-future"],
    [{ asOf: "soon" }, "purge.bad-as-of"],
    [{ olderThan: "soon" }, "purge.bad-older-than"],
    [{ olderThan: "0s" }, "purge.bad-older-than"],
  ])("%j is a usage error (exit 2)", (flags, code) => {
    expect(() => resolveCutoff({ now, retentionDays: 14, ...flags })).toThrow(expect.objectContaining({ code, exitCode: 2 }));
  });
});
