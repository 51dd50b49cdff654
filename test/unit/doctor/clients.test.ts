import { describe, expect, test } from "bun:test";
import { checkHttpsUrl } from "../../../src/config/validate-names.ts";
import { defaultConfig } from "../../../src/config/render-toml.ts";
import { judgeCalls, judgeSlidingSync } from "../../../src/doctor/checks/services/clients.ts";
import type { CaddyObservation } from "../../../src/doctor/facts/local-http.ts";
import { renderInputsFor } from "../../../src/render/index.ts";
import { renderHomeserverYaml } from "../../../src/render/synapse.ts";
import { wellKnownClient } from "../../../src/render/well-known.ts";
import { resolvePaths } from "../../../src/config/paths.ts";

const answer = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });
const caddy = (versions: unknown, client: unknown = {}): CaddyObservation => ({ url: "http://127.0.0.1:8080", server: {}, admin: {}, versions: answer(versions), client: answer(client) });
const livekit = "https://rtc.example.org/livekit/jwt";
const config = (url = "") => {
  const value = defaultConfig({ server_name: "pc.tail1.ts.net" });
  value.calls.livekit_service_url = url;
  return value;
};

describe("sliding-sync", () => {
  test("ok when advertised, warn otherwise (also on an unreadable answer)", () => {
    expect(judgeSlidingSync(caddy({ unstable_features: { "org.matrix.simplified_msc3575": true } })).status).toBe("ok");
    expect(judgeSlidingSync(caddy({ unstable_features: { "org.matrix.simplified_msc3575": false } })).status).toBe("warn");
    expect(judgeSlidingSync({ ...caddy({}), versions: { status: 200, body: "<html>" } }).status).toBe("warn");
  });
});

describe("calls", () => {
  test("no call server: info saying why Funnel can't carry one", () => {
    const verdict = judgeCalls(caddy({}), config());
    expect(verdict).toMatchObject({ status: "info" });
    expect(verdict.detail).toContain("UDP");
  });
  test("configured and advertised: ok; configured but not advertised: warn with mxhome up", () => {
    expect(judgeCalls(caddy({}, { "org.matrix.msc4143.rtc_foci": [{ type: "livekit", livekit_service_url: livekit }] }), config(livekit)).status).toBe("ok");
    expect(judgeCalls(caddy({}, {}), config(livekit))).toMatchObject({ status: "warn", fix: expect.stringContaining("mxhome up") });
  });
  test("the well-known and homeserver.yaml name a focus only when one is configured", () => {
    const paths = resolvePaths({ HOME: "/home/me" });
    expect(JSON.parse(wellKnownClient(config()))).toEqual({ "m.homeserver": { base_url: "https://pc.tail1.ts.net" } });
    expect(renderHomeserverYaml(renderInputsFor(config(), paths, "/usr/bin/mxhome", 2))).not.toMatch(/matrix_rtc|msc4143/);
    expect(JSON.parse(wellKnownClient(config(livekit)))["org.matrix.msc4143.rtc_foci"]).toEqual([{ type: "livekit", livekit_service_url: livekit }]);
    expect(renderHomeserverYaml(renderInputsFor(config(livekit), paths, "/usr/bin/mxhome", 2))).toContain(
      `experimental_features:\n  msc4143_enabled: true\nmatrix_rtc:\n  transports:\n    - type: livekit\n      livekit_service_url: "${livekit}"\n`,
    );
  });
  test("livekit_service_url must be an https URL without quotes or spaces", () => {
    expect(checkHttpsUrl("")).toBeUndefined();
    expect(checkHttpsUrl(livekit)).toBeUndefined();
    expect(checkHttpsUrl("http://rtc.example.org")).toBe("use an https:// URL");
    expect(checkHttpsUrl("rtc.example.org")).toContain("not a URL");
    expect(checkHttpsUrl("https://a.org/`x`")).toContain("no spaces, quotes");
  });
});
