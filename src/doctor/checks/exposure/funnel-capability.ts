import { publicHost } from "../../../config/schema.ts";
import { funnelHostFromStatus } from "../../../tailscale/status.ts";
import { gatherTailscale, type IpnStatus, nodeCapabilities } from "../../facts/tailscale.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

const funnelPortsCap = "https://tailscale.com/cap/funnel-ports";

/** Pure: whether the funnel-ports attribute (`…/funnel-ports?ports=443,8443,10000`) allows a port; as ipn.CheckFunnelPort. */
export function funnelPortAllowed(capabilities: string[], port: number): boolean {
  const attribute = capabilities.find((cap) => cap.startsWith(`${funnelPortsCap}?`));
  const ports = attribute ? new URL(attribute).searchParams.get("ports") ?? "" : "";
  return ports.split(",").some((range) => {
    const [first, last] = range.split("-").map(Number);
    return last === undefined ? first === port : first! <= port && port <= last;
  });
}

/** HTTPS certificates, the funnel node attribute and port 443, as ipn.CheckFunnelAccess; and that public_host is this node. */
export function judgeFunnelCapability(status: IpnStatus, configuredHost: string): Verdict {
  const capabilities = nodeCapabilities(status);
  const node = funnelHostFromStatus(status);
  if (!capabilities.includes("https") || !(status.CertDomains ?? []).length) {
    return fail("HTTPS certificates are off for your tailnet, and Funnel needs them.", "Enable HTTPS at https://login.tailscale.com/admin/dns (HTTPS Certificates → Enable).");
  }
  if (!capabilities.includes("funnel")) {
    return fail(
      'this machine lacks the "funnel" node attribute, so Funnel refuses to run (https://tailscale.com/s/no-funnel).',
      'In the tailnet policy (https://login.tailscale.com/admin/acls), add a nodeAttrs entry with "attr": ["funnel"] for this machine.',
    );
  }
  if (!funnelPortAllowed(capabilities, 443)) {
    return fail("the tailnet policy does not allow Funnel on port 443.", 'Allow port 443 for Funnel in the tailnet policy (the default funnel attribute allows 443, 8443 and 10000).');
  }
  if (node && node !== configuredHost) {
    return fail(
      `mxhome.toml says the Funnel host is ${configuredHost}, but this machine's Funnel name is ${node}: Funnel serves only ${node}.`,
      `Set public_host = "${node}" in [server] of mxhome.toml (server_name can stay a custom domain that delegates to it), then \`mxhome up\`.`,
    );
  }
  return ok(`HTTPS certificates for ${(status.CertDomains ?? []).join(", ")}; Funnel allowed on 443`);
}

export const funnelCapabilityCheck = defineCheck({
  id: "funnel-capability",
  category: "exposure",
  title: "HTTPS certificates and Funnel allowed",
  after: ["tailscale"],
  gather: gatherTailscale,
  judge: (tailscale, { config }) => judgeFunnelCapability(tailscale.status ?? {}, publicHost(config)),
});
