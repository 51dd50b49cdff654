import { expect, test } from "bun:test";
import running from "../../fixtures/tailscale/status-running.json" with { type: "json" };
import { funnelHostFromStatus } from "../../../src/tailscale/status.ts";

test("the Funnel host is Self.DNSName without its trailing dot", () => {
  expect(funnelHostFromStatus(running)).toBe("desktop.tail1234.ts.net");
});

test("no Funnel host when tailscale is logged out or stopped", () => {
  expect(funnelHostFromStatus({ ...running, BackendState: "NeedsLogin" })).toBeUndefined();
  expect(funnelHostFromStatus({ BackendState: "Stopped" })).toBeUndefined();
  expect(funnelHostFromStatus({})).toBeUndefined();
});
