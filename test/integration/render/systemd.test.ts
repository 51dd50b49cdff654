/**
 * The rendered user units through systemd's own checks: every calendar
 * expression through `systemd-analyze calendar`, every unit through
 * `systemd-analyze --user verify`, whose stderr must stay empty (it exits 0
 * even on unknown keys, so the exit code alone proves nothing).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { quadletUnits } from "../../../src/render/quadlet.ts";
import { renderTimers, timerCalendars } from "../../../src/render/systemd.ts";
import { fixtureInputs, topologies } from "../../unit/render/_inputs.ts";

const scratch = mkdtempSync(join(tmpdir(), "mxhome-systemd-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const systemdAnalyze = Bun.which("systemd-analyze") ?? "/usr/bin/systemd-analyze";

describe("systemd-analyze calendar", () => {
  test.each(Object.entries(timerCalendars))("%s: %s is valid", (_job, calendar) => {
    const result = Bun.spawnSync([systemdAnalyze, "calendar", calendar]);
    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("an invalid expression is caught (the check can fail)", () => {
    expect(Bun.spawnSync([systemdAnalyze, "calendar", "every other tuesday"]).exitCode).not.toBe(0);
  });
});

describe.each(topologies)("systemd-analyze --user verify (%s)", (topology) => {
  // verify checks that ExecStart's binary exists and is executable, so point the
  // units at a real stub; a space in its path proves the quoting.
  const root = mkdtempSync(join(scratch, `${topology}-`));
  const binary = join(root, "My Programs", "mxhome");
  mkdirSync(join(root, "My Programs"));
  writeFileSync(binary, "#!/bin/sh\nexit 0\n");
  chmodSync(binary, 0o755);
  const unitDir = join(root, "units");
  mkdirSync(unitDir);
  const files = renderTimers(fixtureInputs(topology, { mxhomeBinary: binary }));
  for (const file of files) writeFileSync(join(unitDir, basename(file.path)), file.content);
  // mxhome-catch-up.service (podman) depends on the unit quadlet generates from
  // mxhome-synapse.container (checked by quadlet.test.ts); a stub lets verify resolve it.
  writeFileSync(join(unitDir, quadletUnits.synapse.service), "[Unit]\nDescription=stand-in for the unit quadlet generates\n\n[Service]\nExecStart=/bin/true\n");

  test("no complaints about any unit", () => {
    // --user needs a runtime dir of our own; the test's XDG_RUNTIME_DIR may not exist.
    const runtimeDir = join(root, "run");
    mkdirSync(runtimeDir, { mode: 0o700 });
    const result = Bun.spawnSync(
      [systemdAnalyze, "--user", "verify", "--man=no", ...files.map((file) => join(unitDir, basename(file.path)))],
      { cwd: unitDir, env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir } },
    );
    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("the ExecStart binary path is quoted", () => {
    const purge = files.find((file) => file.path.endsWith("mxhome-purge.service"))!;
    expect(purge.content).toContain(`ExecStart="${binary}" purge --yes`);
  });
});

test("verify does report an unknown key (the check can fail)", () => {
  const root = mkdtempSync(join(scratch, "negative-"));
  const runtimeDir = join(root, "run");
  mkdirSync(runtimeDir, { mode: 0o700 });
  const unit = join(root, "mxhome-bogus.service");
  writeFileSync(unit, "[Unit]\nDescription=x\n\n[Service]\nType=oneshot\nExecStart=/bin/true\nNoSuchKey=1\n");
  const result = Bun.spawnSync([systemdAnalyze, "--user", "verify", "--man=no", unit], {
    cwd: root,
    env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir },
  });
  expect(result.stderr.toString()).toContain("Unknown key 'NoSuchKey'");
});
