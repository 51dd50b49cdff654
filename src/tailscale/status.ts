import { exec, which } from "../io/exec.ts";

/**
 * The parts of `tailscale status --json` mxhome reads. The JSON is
 * tailscale's `ipnstate.Status` (ipn/ipnstate/ipnstate.go): `BackendState`,
 * `Self` (a `PeerStatus` whose `DNSName` ends with a dot) and `CertDomains`.
 */
export interface TailscaleStatus {
  BackendState?: string;
  Self?: { DNSName?: string; HostName?: string; CapMap?: Record<string, unknown> | null; Capabilities?: string[] | null };
  CertDomains?: string[] | null;
}

/** Pure: the Funnel host (`<machine>.<tailnet>.ts.net`), when logged in. */
export function funnelHostFromStatus(status: TailscaleStatus): string | undefined {
  const dnsName = status.Self?.DNSName?.replace(/\.$/, "");
  return status.BackendState === "Running" && dnsName ? dnsName : undefined;
}

/** Reads tailscale's status; undefined when tailscale is absent, stopped or slow. */
export async function readTailscaleStatus(): Promise<TailscaleStatus | undefined> {
  const tailscale = which("tailscale");
  if (!tailscale) return undefined;
  try {
    const result = await exec([tailscale, "status", "--json"], { timeoutMs: 3000 });
    return result.exitCode === 0 ? (JSON.parse(result.stdout) as TailscaleStatus) : undefined;
  } catch {
    return undefined;
  }
}
