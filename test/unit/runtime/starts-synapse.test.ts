import { expect, test } from "bun:test";
import type { Action } from "../../../src/runtime/runtime.ts";
import { startsSynapse } from "../../../src/runtime/up.ts";

const plan = (actions: Action[]) => ({ runtime: "native" as const, actions, blockers: [], notes: [] });

test.each([
  ["nothing to do", [], false],
  ["Synapse started", [{ kind: "start", service: "synapse", reason: "stopped" }], true],
  ["Synapse restarted", [{ kind: "restart", service: "synapse", reason: "config changed" }], true],
  ["only Caddy restarted", [{ kind: "restart", service: "caddy", reason: "config changed" }], false],
  ["only units enabled", [{ kind: "enable-units", units: ["mxhome-kick.timer"], start: true }], false],
] as [string, Action[], boolean][])("`up` runs catch-up when: %s → %p", (_label, actions, expected) => {
  expect(startsSynapse(plan(actions))).toBe(expected);
});
