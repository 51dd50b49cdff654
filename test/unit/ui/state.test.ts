import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolvePaths } from "../../../src/config/paths.ts";
import { acquireLock } from "../../../src/state/lock.ts";
import { readAllRunRecords, readRunRecord, writeRunRecord } from "../../../src/state/runs.ts";
import { MxError } from "../../../src/ui/errors.ts";

const paths = () => resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-state-")) });

test("a lock is exclusive while held, released after, and taken over from a dead holder", () => {
  const p = paths();
  const release = acquireLock(p, "purge");
  let error: unknown;
  try {
    acquireLock(p, "purge");
  } catch (e) {
    error = e;
  }
  expect((error as MxError).exitCode).toBe(4);
  release();
  acquireLock(p, "purge")();
  writeFileSync(join(p.stateDir, "purge.lock"), "999999999"); // no such process
  expect(() => acquireLock(p, "purge")()).not.toThrow();
});

test("run records round-trip", () => {
  const p = paths();
  expect(readRunRecord(p, "purge")).toBeUndefined();
  const record = { command: "purge", startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:01:00Z", ok: true, summary: "nothing to purge" };
  writeRunRecord(p, record);
  expect(readRunRecord(p, "purge")).toEqual(record);
  expect(readAllRunRecords(p)).toEqual([record]);
});
