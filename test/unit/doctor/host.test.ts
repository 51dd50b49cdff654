import { describe, expect, test } from "bun:test";
import { judgeApparmor } from "../../../src/doctor/checks/host/apparmor.ts";
import { judgeCgroups } from "../../../src/doctor/checks/host/cgroups.ts";
import { judgeDelegation } from "../../../src/doctor/checks/host/delegation.ts";
import { judgeClock } from "../../../src/doctor/checks/host/clock.ts";
import { judgeDisk } from "../../../src/doctor/checks/host/disk.ts";
import { judgeLinger } from "../../../src/doctor/checks/host/linger.ts";
import { judgeMemory } from "../../../src/doctor/checks/host/memory.ts";
import { judgePodman } from "../../../src/doctor/checks/host/podman.ts";
import { judgePorts } from "../../../src/doctor/checks/host/ports.ts";
import { judgeSubids } from "../../../src/doctor/checks/host/subids.ts";
import { judgeUserSystemd } from "../../../src/doctor/checks/host/user-systemd.ts";
import { expectVerdict, run } from "./_context.ts";

/** What systemd tools print in a container or session without systemd (recorded on Debian 12). */
const noSystemd = run("", 1, "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n");

describe("podman", () => {
  test.each([
    ["Arch today", run("podman version 5.2.3\n"), "ok", "5.2.3"],
    ["Ubuntu 24.04", run("podman version 4.9.3\n"), "ok", "4.9.3"],
    ["exactly the minimum", run("podman version 4.5.0\n"), "ok", "4.5.0"],
    ["a release candidate", run("podman version 5.0.0-rc1\n"), "ok", "5.0.0"],
    ["Debian bookworm (no quadlet)", run("podman version 4.3.1\n"), "fail", /older than 4\.5\.0/],
    ["quadlet's first release", run("podman version 4.4.1\n"), "fail", /older/],
    ["not installed", undefined, "fail", /not installed/],
    ["broken", run("", 125, "Error: cannot re-exec process\n"), "fail", /cannot re-exec/],
  ] as const)("%s", (_name, output, status, detail) => expectVerdict(judgePodman(output), status, detail));
});

describe("cgroup delegation", () => {
  test.each([
    ["recent systemd's default: no io", "cpu memory pids\n", "warn", /no io controller.*IOWeight= do nothing/],
    ["older systemd default: memory and pids only", "memory pids\n", "warn", /no cpu or io controller.*CPUWeight= and IOWeight= do nothing/],
    ["nothing delegated", "\n", "warn", /no cpu, io, or memory controller/],
    ["podman's recommended drop-in", "cpuset cpu io memory pids\n", "ok", /cpu, io and memory are delegated/],
    ["unreadable (cgroups v1)", undefined, "info", /not checked/],
  ] as const)("%s", (_name, controllers, status, detail) => expectVerdict(judgeDelegation(controllers), status, detail));

  test("the fix is the Delegate= drop-in", () => {
    expect(judgeDelegation("memory pids").fix).toContain("Delegate=cpu cpuset io memory pids");
  });
});

describe("cgroups", () => {
  test.each([
    ["unified", { unifiedControllers: "cpuset cpu io memory hugetlb pids rdma misc\n", hybrid: false }, "ok", /v2 \(controllers: cpuset/],
    ["hybrid", { unifiedControllers: undefined, hybrid: true }, "fail", /hybrid/],
    ["legacy v1", { unifiedControllers: undefined, hybrid: false }, "fail", /cgroups v1/],
  ] as const)("%s", (_name, observation, status, detail) => expectVerdict(judgeCgroups(observation), status, detail));
});

describe("subuid/subgid", () => {
  const user = { uid: 1000, name: "alice" };
  test.each([
    ["by name", "alice:100000:65536\n", "alice:100000:65536\n", "ok"],
    ["by uid, in two ranges", "1000:100000:32768\n1000:200000:32768\n", "1000:100000:65536\n", "ok"],
    ["another user's range only", "bob:100000:65536\n", "bob:100000:65536\n", "fail"],
    ["too small", "alice:100000:1000\n", "alice:100000:65536\n", "fail"],
    ["no files", undefined, undefined, "fail"],
  ] as const)("%s", (_name, subuid, subgid, status) => {
    const verdict = judgeSubids({ user, subuid, subgid });
    expectVerdict(verdict, status);
    if (status === "fail") expect(verdict.fix).toContain("usermod --add-subuids");
  });
});

describe("linger", () => {
  test.each([
    ["on", run("Linger=yes\n"), "ok"],
    ["off", run("Linger=no\n"), "fail"],
    ["no session, no linger", run("", 1, "Failed to get user: User ID 1000 is not logged in or lingering\n"), "fail"],
    ["no systemd", noSystemd, "warn"],
    ["no loginctl", undefined, "warn"],
  ] as const)("%s", (_name, output, status) => {
    const verdict = judgeLinger(output);
    expectVerdict(verdict, status);
    if (status !== "ok") expect(verdict.fix).toBe("loginctl enable-linger $USER");
  });
});

describe("user systemd", () => {
  test.each([
    ["running", run("running\n"), "ok"],
    ["starting", run("starting\n", 1), "ok"],
    ["degraded", run("degraded\n", 1), "warn"],
    ["no user manager (recorded: su without a session)", run("offline\n", 1, "Failed to connect to bus: No medium found\n"), "fail"],
    ["no systemd at all", noSystemd, "fail"],
    ["no systemctl", undefined, "fail"],
  ] as const)("%s", (_name, output, status) => expectVerdict(judgeUserSystemd({ state: output }), status));

  // Recorded in the podman box (podman 5.4.2, systemd 257) right after a first `up`.
  const healthcheck = "2f10e1bf12033451a5729b6c443d03855649dd8812ce0e6865713dcd97dc631b-48943ecc7b37ddbb.service loaded failed failed [systemd-run] /usr/bin/podman healthcheck run 2f10e1bf12033451a5729b6c443d03855649dd8812ce0e6865713dcd97dc631b\n";
  test.each([
    ["only podman health checks failed (a start period)", run(healthcheck), "ok"],
    ["mxhome's own unit failed", run(`${healthcheck}mxhome-synapse.service loaded failed failed mxhome Synapse (Matrix homeserver)\n`), "warn"],
    ["failed units unknown", undefined, "warn"],
  ] as const)("degraded: %s", (_name, failed, status) => {
    const verdict = judgeUserSystemd({ state: run("degraded\n", 1), failed });
    expectVerdict(verdict, status);
    if (status === "warn" && failed) expect(verdict.detail).toContain("mxhome-synapse.service");
  });
});

describe("clock", () => {
  test.each([
    ["synchronised", run("NTP=yes\nNTPSynchronized=yes\n"), "ok"],
    ["NTP on, not yet synchronised", run("NTP=yes\nNTPSynchronized=no\n"), "warn"],
    ["NTP off", run("NTP=no\nNTPSynchronized=no\n"), "warn"],
    ["no systemd (container)", noSystemd, "info"],
    ["no timedatectl", undefined, "info"],
  ] as const)("%s", (_name, output, status) => expectVerdict(judgeClock(output), status));
});

describe("memory", () => {
  const meminfo = (totalKb: number, availableKb: number) => `MemTotal:       ${totalKb} kB\nMemFree:         1234 kB\nMemAvailable:   ${availableKb} kB\nBuffers:          100 kB\n`;
  test.each([
    ["8 GB desktop", meminfo(8_000_000, 5_000_000), "ok"],
    ["1.5 GB", meminfo(1_500_000, 1_000_000), "warn"],
    ["512 MB", meminfo(512_000, 300_000), "fail"],
    ["nothing available", meminfo(8_000_000, 100_000), "warn"],
    ["unreadable", undefined, "info"],
  ] as const)("%s", (_name, text, status) => expectVerdict(judgeMemory(text), status));
});

describe("disk", () => {
  const GiB = 1024 ** 3;
  test.each([
    [40 * GiB, "ok"],
    [3 * GiB, "warn"],
    [0.5 * GiB, "fail"],
  ] as const)("%d bytes free", (available, status) =>
    expectVerdict(judgeDisk({ path: "/home/alice/.local/share/mxhome", space: { availableBytes: available, totalBytes: 500 * GiB } }), status),
  );
  test("unknown", () => expectVerdict(judgeDisk({ path: "/x", space: undefined }), "info"));
});

describe("ports", () => {
  const port = (service: "postgres" | "synapse" | "caddy", value: number, running: boolean, taken: boolean) => ({ service, port: value, running, taken });
  test.each([
    ["all ours", [port("postgres", 5433, true, true), port("synapse", 8008, true, true), port("caddy", 8080, true, true)], "ok"],
    ["stopped, ports free", [port("postgres", 5433, false, false), port("synapse", 8008, false, false), port("caddy", 8080, false, false)], "ok"],
    ["another program on 8080", [port("postgres", 5433, true, true), port("synapse", 8008, true, true), port("caddy", 8080, false, true)], "fail"],
    ["two services on one port", [port("postgres", 5433, true, true), port("synapse", 8080, true, true), port("caddy", 8080, true, true)], "fail"],
  ] as const)("%s", (_name, ports, status) => {
    const verdict = judgePorts([...ports]);
    expectVerdict(verdict, status);
    if (_name === "another program on 8080") expect(verdict.fix).toContain("ss -ltnp 'sport = :8080'");
  });
});

describe("AppArmor is reported truthfully, never as protection", () => {
  test.each([
    ["Y", "podman", /enabled on this host, but rootless Podman applies no AppArmor profile/],
    ["N", "podman", /not enabled/],
    [undefined, "native", /unconfined/],
  ] as const)("%s on %s", (enabled, runtime, detail) => expectVerdict(judgeApparmor(enabled, runtime), "info", detail));
});
