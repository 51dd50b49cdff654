import { describe, expect, test } from "bun:test";
import { fingerprintServices } from "../../../src/runtime/desired.ts";
import { funnelTargetFromServeConfig } from "../../../src/runtime/host/funnel.ts";
import { parseSystemctlShow } from "../../../src/runtime/host/systemd-user.ts";
import { renderPostgresSettings } from "../../../src/runtime/native/postgres.ts";
import { hasSubordinateRange } from "../../../src/runtime/podman/observe.ts";
import { rateLimitWaitMs } from "../../../src/synapse/http.ts";
import { registrationMac } from "../../../src/synapse/register.ts";

describe("shared-secret registration MAC", () => {
  // Expected values from Python's hmac module, as Synapse computes them.
  test.each([
    ["alice", "wonderland", true, "a036cbd2c0a44be317de2bb5eb8177493a1e78ae"],
    ["bob", "pw", false, "5b871ed49393dc95c0a6f2c95252de964b46d9fc"],
  ])("%s (admin %p)", (localpart, password, admin, mac) => {
    expect(registrationMac("abcdef", { sharedSecret: "shared-secret", localpart, password, admin })).toBe(mac);
  });
});

describe("rate limits", () => {
  test("retry_after_ms wins, then Retry-After seconds, then a second", () => {
    expect(rateLimitWaitMs({ retry_after_ms: 1234 }, "9")).toBe(1234);
    expect(rateLimitWaitMs({}, "3")).toBe(3000);
    expect(rateLimitWaitMs(undefined, null)).toBe(1000);
  });
});

describe("systemctl show", () => {
  test("one block per unit; an unknown unit is not-found", () => {
    const text = "Id=a.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=generated\n\nId=b.timer\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n";
    expect(parseSystemctlShow(text)).toEqual({
      "a.service": { load: "loaded", active: "active", sub: "running", unitFileState: "generated" },
      "b.timer": { load: "not-found", active: "inactive", sub: "dead", unitFileState: "" },
    });
  });
});

describe("Funnel serve config", () => {
  test("only a funnelled 443 root handler counts", () => {
    const web = { "pc.ts.net:443": { Handlers: { "/": { Proxy: "http://127.0.0.1:8080" } } } };
    expect(funnelTargetFromServeConfig({ Web: web, AllowFunnel: { "pc.ts.net:443": true } })).toBe("http://127.0.0.1:8080");
    expect(funnelTargetFromServeConfig({ Web: web })).toBeUndefined();
    expect(funnelTargetFromServeConfig({})).toBeUndefined();
  });
});

describe("subordinate id ranges", () => {
  test("by name or uid, with a non-empty range", () => {
    expect(hasSubordinateRange("alice:100000:65536\n", "alice")).toBe(true);
    expect(hasSubordinateRange("1000:100000:65536\n", "alice", 1000)).toBe(true);
    expect(hasSubordinateRange("bob:100000:65536\nalice:1:0\n", "alice")).toBe(false);
  });
});

describe("service fingerprints", () => {
  const file = (path: string, content: string, affects: ("postgres" | "synapse" | "caddy")[]) => ({ path, content, mode: 0o644, affects });
  test("a change reaches only the services the file affects", () => {
    const before = fingerprintServices([file("/h.yaml", "a", ["synapse"]), file("/Caddyfile", "c", ["caddy"])]);
    const after = fingerprintServices([file("/h.yaml", "b", ["synapse"]), file("/Caddyfile", "c", ["caddy"])]);
    expect(after.synapse).not.toBe(before.synapse);
    expect(after.caddy).toBe(before.caddy);
    expect(after.postgres).toBe(before.postgres);
  });
  test("extra inputs count (the user's overrides file)", () => {
    expect(fingerprintServices([], { synapse: ["x: 1"] }).synapse).not.toBe(fingerprintServices([], { synapse: ["x: 2"] }).synapse);
  });
});

describe("native PostgreSQL settings", () => {
  test("loopback only, quoted paths", () => {
    const text = renderPostgresSettings({ port: 5433, socketDir: "/home/o'neil/run" });
    expect(text).toContain("listen_addresses = '127.0.0.1'");
    expect(text).toContain("port = 5433");
    expect(text).toContain("unix_socket_directories = '/home/o''neil/run'");
  });
});
