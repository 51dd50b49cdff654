import { describe, expect, test } from "bun:test";
import { basename } from "node:path";
import { catchUpServiceName } from "../../../src/render/quadlet.ts";
import { quoteExecArgument, renderTimers, timerCalendars, upServiceName } from "../../../src/render/systemd.ts";
import { fakeBinary, fixtureInputs, topologies } from "./_inputs.ts";

const catchUpTimer = "mxhome-catch-up.timer";
const unitsOf = (files: { path: string; content: string }[]) => new Map(files.map((file) => [basename(file.path), file.content]));

describe.each(topologies)("renderTimers (%s)", (topology) => {
  const inputs = fixtureInputs(topology);
  const files = renderTimers(inputs);
  const units = unitsOf(files);

  test("user units that restart no service", () => {
    expect(files.every((file) => file.path.startsWith(`${inputs.paths.systemdUserDir}/`) && file.affects.length === 0)).toBe(true);
  });

  test("every job timer catches up on missed runs and is installed in timers.target", () => {
    const timers = [...units].filter(([name]) => name.endsWith(".timer") && name !== catchUpTimer);
    expect(timers.length).toBeGreaterThan(0);
    for (const [name, text] of timers) {
      expect(text).toMatch(/^Persistent=true$/m);
      expect(text).toMatch(/^WantedBy=timers\.target$/m);
      const job = name.replace(/^mxhome-|\.timer$/g, "") as keyof typeof timerCalendars;
      expect(text).toContain(`OnCalendar=${timerCalendars[job]}\n`);
      expect(units.get(name.replace(/\.timer$/, ".service"))).toMatch(/^Type=oneshot$/m);
    }
  });

  test("purge runs monthly without prompting, with a randomized delay", () => {
    expect(units.get("mxhome-purge.service")).toContain(`ExecStart=${fakeBinary} purge --yes\n`);
    expect(units.get("mxhome-purge.timer")).toMatch(/^OnCalendar=monthly$/m);
    expect(units.get("mxhome-purge.timer")).toMatch(/^RandomizedDelaySec=1h$/m);
  });

  test("the backup timer exists exactly when backups are enabled", () => {
    expect(units.has("mxhome-backup.timer")).toBe(inputs.config.backup.enabled);
    expect(units.has("mxhome-backup.service")).toBe(inputs.config.backup.enabled);
  });

  test("mxhome-up.service is always rendered, for `up` to enable or not", () => {
    const up = units.get(upServiceName)!;
    expect(up).toMatch(/^Type=oneshot$/m);
    expect(up).toMatch(/^RemainAfterExit=yes$/m);
    expect(up).toContain(`ExecStart=${fakeBinary} up\n`);
    expect(up).toMatch(/^WantedBy=default\.target$/m);
  });

  test("catch-up units exactly under podman: after Synapse, only while it runs, and on resume", () => {
    const podman = inputs.config.runtime.kind === "podman";
    expect(units.has(catchUpServiceName)).toBe(podman);
    expect(units.has(catchUpTimer)).toBe(podman);
    if (!podman) return;
    const service = units.get(catchUpServiceName)!;
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).toMatch(/^After=mxhome-synapse\.service$/m);
    expect(service).toMatch(/^Requisite=mxhome-synapse\.service$/m);
    expect(service).toContain(`ExecStart=${fakeBinary} catch-up\n`);
    expect(units.get(catchUpTimer)).toMatch(/^OnClockChange=true$/m);
    expect(units.get(catchUpTimer)).toMatch(/^WantedBy=timers\.target$/m);
  });
});

describe("the kick timer follows [kick] apply", () => {
  test.each([
    [false, ["kick --observe", "kick"]],
    [true, ["kick --observe", "kick --apply --yes"]],
  ] as const)("apply = %p runs %j", (apply, commands) => {
    const units = unitsOf(renderTimers(fixtureInputs("funnel-host", { config: (config) => void (config.kick.apply = apply) })));
    const execStarts = [...units.get("mxhome-kick.service")!.matchAll(/^ExecStart=(.*)$/gm)].map((match) => match[1]);
    expect(execStarts).toEqual(commands.map((command) => `${fakeBinary} ${command}`));
    expect(units.get("mxhome-kick.timer")).toMatch(/^OnCalendar=daily$/m);
  });
});

describe("quoteExecArgument", () => {
  test.each([
    ["/home/alice/.local/bin/mxhome", "/home/alice/.local/bin/mxhome"],
    ["/home/Alice Smith/bin/mxhome", '"/home/Alice Smith/bin/mxhome"'],
    ["/opt/100%/mxhome", "/opt/100%%/mxhome"],
    ["/opt/$HOME/mxhome", "/opt/$$HOME/mxhome"],
    ['/opt/"quoted" dir/mxhome', '"/opt/\\"quoted\\" dir/mxhome"'],
    ["/opt/back\\slash/mxhome", '"/opt/back\\\\slash/mxhome"'],
  ])("%s → %s", (word, quoted) => {
    expect(quoteExecArgument(word)).toBe(quoted);
  });

  test.each(["", "/opt/new\nline"])("refuses %j", (word) => {
    expect(() => quoteExecArgument(word)).toThrow();
  });

  test("a relative binary path is refused", () => {
    expect(() => renderTimers(fixtureInputs("funnel-host", { mxhomeBinary: "mxhome" }))).toThrow("absolute path");
  });
});
