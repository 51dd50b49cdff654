import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { judgeAdminHidden, judgeCaddyProxy, judgeWellKnown } from "../../../src/doctor/checks/services/caddy.ts";
import { judgePostgres } from "../../../src/doctor/checks/services/postgres.ts";
import { judgeRestarts } from "../../../src/doctor/checks/services/restarts.ts";
import { judgeServicesRunning } from "../../../src/doctor/checks/services/running.ts";
import { judgeSynapse } from "../../../src/doctor/checks/services/synapse.ts";
import { judgeTimers } from "../../../src/doctor/checks/services/timers.ts";
import { judgeTokens } from "../../../src/doctor/checks/services/tokens.ts";
import type { CaddyObservation, Probe } from "../../../src/doctor/facts/local-http.ts";
import { servicesFromUnits } from "../../../src/doctor/facts/services.ts";
import { parseSystemdNumber, parseSystemdTimestamp, type UnitsObservation } from "../../../src/doctor/facts/systemd.ts";
import { parseShowOutput } from "../../../src/runtime/host/systemd-user.ts";
import { expectVerdict, fixtureConfig } from "./_context.ts";

const healthyShow = readFileSync(join(import.meta.dir, "..", "..", "fixtures", "systemd", "show-healthy.txt"), "utf8");
const ports = { postgres: 5433, synapse: 8008, caddy: 8080 };
const now = new Date("2026-09-15T12:00:00Z");

/** The healthy recording with one unit's property replaced. */
function showWith(unit: string, property: string, value: string): UnitsObservation {
  const blocks = healthyShow.split("\n\n").map((block) =>
    block.includes(`Id=${unit}\n`) ? block.replace(new RegExp(`^${property}=.*$`, "m"), `${property}=${value}`) : block,
  );
  return { reachable: true, units: parseShowOutput(blocks.join("\n\n")) };
}
const healthy: UnitsObservation = { reachable: true, units: parseShowOutput(healthyShow) };
const unreachable: UnitsObservation = { reachable: false, error: "Failed to connect to bus: No medium found", units: {} };

describe("systemctl show parsing", () => {
  test("blocks by Id, timestamps under TZ=UTC, numbers", () => {
    expect(Object.keys(healthy.units)).toEqual(["mxhome-postgres.service", "mxhome-synapse.service", "mxhome-caddy.service", "mxhome-purge.timer", "mxhome-kick.timer"]);
    expect(parseSystemdTimestamp("Mon 2026-09-14 08:00:04 UTC")).toBe(Date.UTC(2026, 8, 14, 8, 0, 4));
    expect(parseSystemdTimestamp("n/a")).toBeUndefined();
    expect(parseSystemdTimestamp("")).toBeUndefined();
    expect(parseSystemdNumber("[not set]")).toBeUndefined();
    expect(parseSystemdNumber("18446744073709551615")).toBeUndefined();
    expect(parseSystemdNumber("288358400")).toBe(288358400);
  });

  test("podman service states", () => {
    const services = servicesFromUnits(healthy, ports);
    expect(services.map((s) => [s.service, s.state, s.pid, s.restarts])).toEqual([
      ["postgres", "running", 2345, 0],
      ["synapse", "running", 2411, 0],
      ["caddy", "running", 2530, 0],
    ]);
    expect(services[1]!.memoryBytes).toBe(288358400);
    expect(services[1]!.since).toBe(Date.UTC(2026, 8, 14, 8, 0, 19));
    expect(servicesFromUnits(showWith("mxhome-synapse.service", "LoadState", "not-found"), ports)[1]!.state).toBe("missing");
    expect(servicesFromUnits(unreachable, ports).map((s) => s.state)).toEqual(["unknown", "unknown", "unknown"]);
  });
});

describe("services running", () => {
  test.each([
    ["podman, all active", servicesFromUnits(healthy, ports), "ok"],
    ["synapse crashed", servicesFromUnits(showWith("mxhome-synapse.service", "ActiveState", "failed"), ports), "fail"],
    ["caddy stopped", servicesFromUnits(showWith("mxhome-caddy.service", "ActiveState", "inactive"), ports), "fail"],
    ["quadlet generated nothing", servicesFromUnits(showWith("mxhome-postgres.service", "LoadState", "not-found"), ports), "fail"],
    ["native, synapse died", [
      { service: "postgres", state: "running", pid: 11, port: 5433 },
      { service: "synapse", state: "stopped", died: true, port: 8008 },
      { service: "caddy", state: "running", pid: 13, port: 8080 },
    ], "fail"],
  ] as const)("%s", (_name, services, status) => {
    const verdict = judgeServicesRunning([...services] as never);
    expectVerdict(verdict, status);
    if (_name === "quadlet generated nothing") expect(verdict.fix).toContain("-dryrun");
    if (_name.startsWith("native")) expect(verdict.detail).toContain("stopped unexpectedly");
  });
});

test("a failed unit is named, with its last journal lines as details", () => {
  const [postgres, synapse, caddy] = servicesFromUnits(showWith("mxhome-synapse.service", "ActiveState", "failed"), ports);
  const lastLines = ["Error in configuration at 'listeners':", "  Expected a list"];
  const verdict = judgeServicesRunning([postgres!, { ...synapse!, lastLines }, caddy!]);
  expectVerdict(verdict, "fail", /synapse: mxhome-synapse\.service failed/);
  expect(verdict.details).toEqual(["last lines of mxhome-synapse.service:", "  Error in configuration at 'listeners':", "    Expected a list"]);
});

test("a real recording (podman box: systemd 257, podman 5.4.2) of Synapse between two failed starts", () => {
  // No memory controller in the box, so MemoryCurrent is "[not set]"; MainPID is 0 while the unit waits to restart.
  const show = readFileSync(join(import.meta.dir, "..", "..", "fixtures", "systemd", "show-box-synapse-restarting.txt"), "utf8");
  const services = servicesFromUnits({ reachable: true, units: parseShowOutput(show) }, ports);
  expect(services.map((service) => service.state)).toEqual(["running", "starting", "running"]);
  expect(services[1]).toMatchObject({ unit: "mxhome-synapse.service", restarts: 2 });
  expect(services[1]!.pid).toBeUndefined();
  expect(services.every((service) => service.memoryBytes === undefined)).toBe(true);
  expectVerdict(judgeServicesRunning(services), "ok");
  expectVerdict(judgeRestarts(services), "info", /synapse 2×/);
});

describe("restart counts", () => {
  test.each([
    ["none", healthy, "ok"],
    ["once", showWith("mxhome-synapse.service", "NRestarts", "1"), "info"],
    ["a crash loop", showWith("mxhome-synapse.service", "NRestarts", "7"), "warn"],
  ] as const)("%s", (_name, units, status) => {
    const verdict = judgeRestarts(servicesFromUnits(units, ports));
    expectVerdict(verdict, status);
    if (status !== "ok") expect(verdict.fix).toContain("mxhome logs synapse");
  });
});

describe("timers", () => {
  test.each([
    ["scheduled", healthy, "podman", "ok", /purge 2026-10-01 00:41 UTC \(in 16 d\), kick 2026-09-16 00:23 UTC/],
    ["paused after down", showWith("mxhome-kick.timer", "ActiveState", "inactive"), "podman", "warn", /paused: mxhome-kick\.timer/],
    ["never installed", showWith("mxhome-purge.timer", "LoadState", "not-found"), "podman", "fail", /not installed/],
    ["no user systemd, podman", unreachable, "podman", "fail", /not reachable/],
    ["no user systemd, native", unreachable, "native", "info", /not reachable/],
  ] as const)("%s", (_name, units, runtime, status, detail) => expectVerdict(judgeTimers(units, ["purge", "kick"], runtime, now), status, detail));
});

describe("postgres and synapse", () => {
  test.each([
    [{ reachable: true, serverVersion: "17.6" }, "ok"],
    [{ reachable: false, error: 'connection to server at "127.0.0.1", port 5433 failed: Connection refused' }, "fail"],
  ] as const)("postgres %j", (observation, status) => expectVerdict(judgePostgres(observation), status));

  const version: Probe = { status: 200, body: '{"server":{"name":"Synapse","version":"1.163.2"}}' };
  test.each([
    ["healthy", { status: 200, body: "OK" }, "ok", /Synapse 1\.163\.2/],
    ["down", { error: "connection refused" }, "fail", /does not answer/],
    ["unhealthy", { status: 500, body: "Internal Server Error" }, "fail", /500/],
  ] as const)("synapse %s", (_name, health, status, detail) => expectVerdict(judgeSynapse({ url: "http://127.0.0.1:8008", health, version }), status, detail));
});

describe("tokens", () => {
  const service = { account: "service" as const, userId: "@mxhome:pc.tail1234.ts.net" };
  const bot = { account: "bot" as const, userId: "@mxhome-bot:pc.tail1234.ts.net" };
  test.each([
    ["both valid, admin", [{ ...service, state: "valid", admin: true }, { ...bot, state: "valid" }], "ok", undefined],
    ["bot revoked", [{ ...service, state: "valid", admin: true }, { ...bot, state: "revoked" }], "fail", "mxhome up"],
    ["no tokens yet", [{ ...service, state: "none" }, { ...bot, state: "none" }], "fail", "mxhome up"],
    ["service no longer admin", [{ ...service, state: "valid", admin: false }, { ...bot, state: "valid" }], "fail", "/_synapse/admin/v2/users/@mxhome:pc.tail1234.ts.net"],
  ] as const)("%s", (_name, tokens, status, fix) => {
    const verdict = judgeTokens(tokens as never);
    expectVerdict(verdict, status);
    if (fix) expect(verdict.fix).toContain(fix);
  });
});

describe("caddy", () => {
  const config = fixtureConfig();
  const json = (body: unknown, headers: Record<string, string> = { "access-control-allow-origin": "*" }): Probe => ({ status: 200, headers, body: JSON.stringify(body) });
  const good: CaddyObservation = {
    url: "http://127.0.0.1:8080",
    server: json({ "m.server": "pc.tail1234.ts.net:443" }),
    client: json({ "m.homeserver": { base_url: "https://pc.tail1234.ts.net" } }),
    admin: { status: 404, headers: {}, body: "" },
    versions: json({ versions: ["v1.11"] }),
  };
  test.each([
    ["as rendered", good, "ok", undefined],
    ["the guide's well-known (Dynu name)", { ...good, server: json({ "m.server": "chat-yourname.dynu.net:443" }) }, "fail", /chat-yourname\.dynu\.net/],
    ["no port: federation would try 8448", { ...good, server: json({ "m.server": "pc.tail1234.ts.net" }) }, "fail", /not "pc\.tail1234\.ts\.net:443"/],
    ["client well-known without CORS", { ...good, client: json({ "m.homeserver": { base_url: "https://pc.tail1234.ts.net" } }, {}) }, "fail", /Access-Control-Allow-Origin/],
    ["not JSON", { ...good, client: { status: 200, headers: {}, body: "<html>" } }, "fail", /not JSON/],
    ["Caddy down", { ...good, server: { error: "connection refused" }, client: { error: "connection refused" } }, "fail", /does not answer/],
  ] as const)("well-known: %s", (_name, observation, status, detail) => expectVerdict(judgeWellKnown(observation as CaddyObservation, config), status, detail));

  test.each([
    ["blocked", good, "ok"],
    ["passed to Synapse", { ...good, admin: json({ server_version: "1.163.2" }) }, "fail"],
    ["401 from Synapse", { ...good, admin: { status: 401, headers: {}, body: '{"errcode":"M_MISSING_TOKEN"}' } }, "fail"],
  ] as const)("admin API: %s", (_name, observation, status) => expectVerdict(judgeAdminHidden(observation as CaddyObservation), status));

  test("proxy", () => {
    expectVerdict(judgeCaddyProxy(good), "ok");
    expectVerdict(judgeCaddyProxy({ ...good, versions: { status: 502, headers: {}, body: "" } }), "fail", /502/);
  });
});
