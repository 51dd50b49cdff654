/** A doctor context for unit tests: a config from the golden fixtures, facts that fail if a check reaches for the machine. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/load.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import type { Config } from "../../../src/config/schema.ts";
import { expect } from "bun:test";
import type { DoctorContext, Verdict } from "../../../src/doctor/types.ts";

export const fixtureConfig = (name: "funnel-host" | "custom-domain" | "native" = "funnel-host"): Config => {
  const parsed = parseConfig(readFileSync(join(import.meta.dir, "..", "..", "fixtures", "configs", `${name}.toml`), "utf8"));
  if (!parsed.config) throw new Error(`fixture ${name} is invalid`);
  return parsed.config;
};

export function unitContext(overrides: Partial<DoctorContext> = {}): DoctorContext {
  const config = overrides.config === undefined && "config" in overrides ? undefined : (overrides.config ?? fixtureConfig());
  return {
    paths: resolvePaths({ HOME: "/home/alice" }),
    config,
    configLoad: { file: "/home/alice/.config/mxhome/mxhome.toml", state: config ? "ok" : "invalid", problems: [] },
    offline: false,
    facts: {
      get: () => Promise.reject(new Error("unit tests judge recorded facts; this check reached for the machine")),
    },
    now: () => new Date("2026-09-15T12:00:00Z"),
    ...overrides,
  };
}

/** A recorded command run. */
export const run = (stdout: string, exitCode = 0, stderr = "") => ({ stdout, stderr, exitCode });

/** Every warn and fail carries a fix: the doctor's promise. */
export function expectVerdict(verdict: Verdict, status: Verdict["status"], detail?: string | RegExp): void {
  expect(verdict.status).toBe(status);
  if (detail) expect(verdict.detail).toMatch(detail);
  if (status === "warn" || status === "fail") expect(verdict.fix).toBeTruthy();
}
