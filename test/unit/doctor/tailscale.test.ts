import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { funnelPortAllowed, judgeFunnelCapability } from "../../../src/doctor/checks/exposure/funnel-capability.ts";
import { judgeFunnel } from "../../../src/doctor/checks/exposure/funnel.ts";
import { judgeTailscaleLogin } from "../../../src/doctor/checks/exposure/tailscale.ts";
import { createFacts } from "../../../src/doctor/facts/index.ts";
import { gatherTailscale, type IpnStatus, nodeCapabilities } from "../../../src/doctor/facts/tailscale.ts";
import type { ServeConfig } from "../../../src/tailscale/serve-config.ts";
import { createDoctorIo } from "../../../src/doctor/io.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import { expectVerdict } from "./_context.ts";

const fixtures = join(import.meta.dir, "..", "..", "fixtures", "tailscale");
const load = <T>(name: string): T => JSON.parse(readFileSync(join(fixtures, name), "utf8")) as T;
const status = (name: string) => load<IpnStatus>(`status-${name}.json`);
const serve = (name: string) => load<ServeConfig>(`funnel-${name}.json`);
const host = "desktop.tail1234.ts.net";
const expected = { host, caddyPort: 8080, synapsePort: 8008 };

describe("logged in (tailscale status --json)", () => {
  test.each([
    ["healthy", { installed: true, status: status("running") }, "ok", /connected as desktop\.tail1234\.ts\.net/, undefined],
    ["logged out", { installed: true, status: status("logged-out") }, "fail", /logged out/, "sudo tailscale up"],
    ["tailscaled not running", { installed: true, statusError: "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)" }, "fail", /failed to connect/, "sudo systemctl enable --now tailscaled"],
    ["stopped (tailscale down)", { installed: true, status: { ...status("running"), BackendState: "Stopped" } }, "fail", /Stopped/, "sudo tailscale up"],
    ["waiting for approval", { installed: true, status: { ...status("running"), BackendState: "NeedsMachineAuth" } }, "fail", /approval/, "admin/machines"],
    ["not installed", { installed: false }, "fail", /not installed/, "tailscale"],
  ] as const)("%s", (_name, observation, verdict, detail, fix) => {
    const result = judgeTailscaleLogin(observation as never);
    expectVerdict(result, verdict, detail);
    if (fix) expect(result.fix).toContain(fix);
  });
});

describe("HTTPS and the funnel capability", () => {
  test("capabilities come from CapMap (the Capabilities list is deprecated)", () => {
    expect(nodeCapabilities(status("running"))).toEqual(["funnel", "https", "https://tailscale.com/cap/funnel-ports?ports=443,8443,10000"]);
    expect(funnelPortAllowed(nodeCapabilities(status("running")), 443)).toBe(true);
    expect(funnelPortAllowed(["https://tailscale.com/cap/funnel-ports?ports=8443,10000-10002"], 443)).toBe(false);
    expect(funnelPortAllowed(["https://tailscale.com/cap/funnel-ports?ports=400-500"], 443)).toBe(true);
    expect(funnelPortAllowed(["funnel"], 443)).toBe(false);
  });

  test.each([
    ["healthy", status("running"), host, "ok", /Funnel allowed on 443/],
    ["no funnel node attribute", status("no-funnel"), host, "fail", /"funnel" node attribute/],
    ["HTTPS certificates off", status("no-https"), host, "fail", /HTTPS certificates are off/],
    ["443 not among the funnel ports", { ...status("running"), Self: { ...status("running").Self, CapMap: { funnel: null, https: null, "https://tailscale.com/cap/funnel-ports?ports=8443": null } } }, host, "fail", /port 443/],
    ["public_host is another name (the Dynu name)", status("running"), "chat-yourname.dynu.net", "fail", /this machine's Funnel name is desktop\.tail1234\.ts\.net/],
  ] as const)("%s", (_name, observed, configured, verdict, detail) => expectVerdict(judgeFunnelCapability(observed as IpnStatus, configured), verdict, detail));
});

describe("the funnel mapping (tailscale funnel status --json)", () => {
  const turnOn = "tailscale funnel --bg --https=443 http://127.0.0.1:8080";
  test.each([
    ["healthy", serve("healthy"), "ok", /https:\/\/desktop\.tail1234\.ts\.net → http:\/\/127\.0\.0\.1:8080/, undefined],
    ["funnel off", serve("off"), "fail", /Funnel is off/, turnOn],
    ["empty config printed as null", {}, "fail", /Funnel is off/, turnOn],
    ["to the wrong target (Synapse, past Caddy)", serve("wrong-target"), "fail", /straight to Synapse, past Caddy: the admin API is public/, `tailscale funnel --https=443 off && ${turnOn}`],
    ["served to the tailnet only", serve("tailnet-only"), "fail", /tailnet only/, turnOn],
    ["foreground (the guide's service)", serve("foreground"), "warn", /foreground/, "--bg"],
    ["on 8443 instead of 443", serve("port-8443"), "fail", /desktop\.tail1234\.ts\.net:8443/, turnOn],
    ["status unreadable", undefined, "fail", /cannot read/, "--operator"],
  ] as const)("%s", (_name, config, verdict, detail, fix) => {
    const observation = config === undefined ? { installed: true, serveError: "Access denied: serve config denied" } : { installed: true, serve: config };
    const result = judgeFunnel(observation, expected);
    expectVerdict(result, verdict, detail);
    if (fix) expect(result.fix).toContain(fix);
  });

  test("a target named localhost is the same loopback target", () => {
    const config = serve("healthy");
    config.Web![`${host}:443`]!.Handlers!["/"]!.Proxy = "http://localhost:8080";
    expectVerdict(judgeFunnel({ installed: true, serve: config }, expected), "ok");
  });
});

describe("the adapter runs the tailscale CLI it is given", () => {
  test("a script printing the fixtures", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-fake-tailscale-"));
    const script = join(dir, "tailscale");
    writeFileSync(
      script,
      `#!/bin/sh\ncase "$1 $2" in\n  "status --json") cat '${join(fixtures, "status-running.json")}' ;;\n  "funnel status") cat '${join(fixtures, "funnel-healthy.json")}' ;;\n  *) echo "unexpected: $*" >&2; exit 2 ;;\nesac\n`,
    );
    chmodSync(script, 0o755);
    const facts = createFacts({ paths: resolvePaths({ HOME: dir }), config: undefined, io: createDoctorIo({ tailscale: script }), mxhomeBinary: "/usr/local/bin/mxhome" });
    const observation = await facts.get(gatherTailscale);
    expect(observation.status?.BackendState).toBe("Running");
    expect(judgeFunnel(observation, expected).status).toBe("ok");
    expect(await facts.get(gatherTailscale)).toBe(observation); // gathered once
  });

  test("a CLI that fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxhome-fake-tailscale-"));
    const script = join(dir, "tailscale");
    writeFileSync(script, "#!/bin/sh\necho \"failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)\" >&2\nexit 1\n");
    chmodSync(script, 0o755);
    const facts = createFacts({ paths: resolvePaths({ HOME: dir }), config: undefined, io: createDoctorIo({ tailscale: script }), mxhomeBinary: "/x" });
    const verdict = judgeTailscaleLogin(await facts.get(gatherTailscale));
    expect(verdict.fix).toBe("sudo systemctl enable --now tailscaled");
  });
});
