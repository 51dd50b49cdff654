import type { ServeConfig } from "../../tailscale/serve-config.ts";
import type { TailscaleStatus } from "../../tailscale/status.ts";
import type { FactScope } from "./index.ts";

/**
 * `tailscale status --json` (ipnstate.Status) and `tailscale funnel status
 * --json` (ipn.ServeConfig, src/tailscale/serve-config.ts), as in tailscale/tailscale ipn/ipnstate/ipnstate.go
 * and ipn/serve.go (commit de9ec7ee25627e0e518f53c710a3fc3d947c86c1).
 */
export interface IpnStatus extends TailscaleStatus {
  AuthURL?: string;
  Health?: string[] | null;
  /** Set when traffic leaves through an exit node. */
  ExitNodeStatus?: { ID?: string; Online?: boolean; TailscaleIPs?: string[] } | null;
}

export interface TailscaleObservation {
  installed: boolean;
  status?: IpnStatus;
  /** The CLI's complaint when status failed (tailscaled not running…). */
  statusError?: string;
  serve?: ServeConfig;
  serveError?: string;
}

async function readJson<T>(scope: FactScope, args: string[]): Promise<{ value?: T; error?: string }> {
  const output = await scope.io.run([scope.io.tailscale!, ...args], { timeoutMs: 3_000 });
  if (!output) return { error: "tailscale could not be run" };
  if (output.exitCode !== 0) return { error: (output.stderr.trim() || output.stdout.trim() || `exit ${output.exitCode}`).split("\n")[0] };
  try {
    // An empty serve config may print as `null`.
    return { value: (JSON.parse(output.stdout) ?? {}) as T };
  } catch {
    return { error: "its output is not JSON" };
  }
}

export async function gatherTailscale(scope: FactScope): Promise<TailscaleObservation> {
  if (!scope.io.tailscale) return { installed: false };
  const [status, serve] = await Promise.all([readJson<IpnStatus>(scope, ["status", "--json"]), readJson<ServeConfig>(scope, ["funnel", "status", "--json"])]);
  return { installed: true, status: status.value, statusError: status.error, serve: serve.value, serveError: serve.error };
}

/** Pure: the node's capabilities (CapMap keys; the deprecated Capabilities list as a fallback). */
export function nodeCapabilities(status: IpnStatus | undefined): string[] {
  const self = status?.Self;
  return self?.CapMap ? Object.keys(self.CapMap) : (self?.Capabilities ?? []);
}
