import { querySynapseDatabase } from "../../facts/database.ts";
import type { FactScope } from "../../facts/index.ts";
import { gatherTailscale } from "../../facts/tailscale.ts";
import { gatherSynapseConfig } from "../config/homeserver-safety.ts";
import { defineCheck, info, ok, type Verdict, warn } from "../../types.ts";

/**
 * Outbound exposure. Funnel hides the home IP from incoming traffic only:
 * every request Synapse sends (federation, key fetches, remote media) comes
 * from the home IP unless a proxy or an exit node carries it.
 *
 * Decision: with no proxy and no exit node this is `info` (with its fix) on a
 * server that has not federated yet, and `warn` once Synapse's `destinations`
 * table shows it has contacted other servers: from then on the IP has been
 * seen. A fresh default install therefore shows no warning (the issue asks
 * for that), yet every real leak is reported, and `mxhome init` already says
 * the same when the proxy is left empty.
 */
export interface OutboundObservation {
  /** [network] outbound_proxy, or http(s)_proxy set in the overrides. */
  proxy: string | undefined;
  exitNode: boolean;
  /** Remote servers Synapse has sent to; undefined when unknown (database down, no table yet). */
  destinations: number | undefined;
}

export async function gatherOutbound(scope: FactScope): Promise<OutboundObservation> {
  const [synapse, tailscale, destinations] = await Promise.all([
    scope.facts.get(gatherSynapseConfig),
    scope.facts.get(gatherTailscale),
    querySynapseDatabase(scope, "SELECT count(*) FROM destinations"),
  ]);
  const effective = { ...(synapse.main ?? {}), ...(synapse.overrides ?? {}) } as Record<string, unknown>;
  const proxy = scope.config.network.outbound_proxy || (effective.https_proxy as string | undefined) || (effective.http_proxy as string | undefined);
  return {
    proxy: proxy || undefined,
    exitNode: Boolean(tailscale.status?.ExitNodeStatus),
    destinations: destinations.ok ? Number(destinations.rows[0]?.[0] ?? 0) : undefined,
  };
}

/** The proxy's host only: a proxy URL may carry a password. */
const proxyHost = (proxy: string) => {
  try {
    return new URL(proxy).host;
  } catch {
    return "the configured proxy";
  }
};

export function judgeOutbound(observation: OutboundObservation): Verdict {
  if (observation.proxy) return ok(`Synapse's outgoing requests leave through ${proxyHost(observation.proxy)}`);
  if (observation.exitNode) return ok("outgoing traffic leaves through a Tailscale exit node");
  const fix =
    "Set an outbound proxy: `outbound_proxy = \"http://proxy:port\"` in [network] of mxhome.toml (or `mxhome init --force --outbound-proxy http://proxy:port`), then `mxhome up`; or route this machine through a Tailscale exit node: `sudo tailscale set --exit-node=<node>`.";
  const hidden = "Funnel hides your home IP from incoming traffic only;";
  if (observation.destinations && observation.destinations > 0) {
    return warn(`${hidden} Synapse has contacted ${observation.destinations} other server${observation.destinations === 1 ? "" : "s"} directly, and each saw your home IP.`, fix);
  }
  return info(`${hidden} once your server federates, every server it contacts sees your home IP.`, fix);
}

export const outboundCheck = defineCheck({
  id: "outbound",
  category: "exposure",
  title: "Outgoing traffic hides your home IP",
  gather: gatherOutbound,
  judge: judgeOutbound,
});
