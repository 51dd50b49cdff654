import { join } from "node:path";
import { type Config, publicHost, usesCustomDomain } from "../../../config/schema.ts";
import { type DelegationObservation, gatherDelegation } from "../../facts/public.ts";
import { type Check, fail, ok, skip, type Verdict, warn } from "../../types.ts";
import { asProbe } from "./public-path.ts";

/**
 * Topology: with server_name = the Funnel host (A) Caddy serves the
 * well-known itself. With a custom domain (B) that domain must serve
 * `/.well-known/matrix/server` = {"m.server": "<funnel host>:443"} over HTTPS
 * itself. The guide's CNAME from the domain to the ts.net name can never
 * work: Funnel relays route by SNI and serve only the node's own name.
 */
export function judgeTopology(config: Config, delegation: DelegationObservation, exportDir: string): Verdict {
  const host = publicHost(config);
  const { serverName } = delegation;
  const hostFiles = `Host the two files in ${join(exportDir, ".well-known", "matrix")} at https://${serverName}/.well-known/matrix/ on any HTTPS static host for ${serverName} (see ${join(exportDir, "README.txt")}).`;
  const server = asProbe(delegation.server);
  if (server.status === 200) {
    let delegated: unknown;
    try {
      delegated = (JSON.parse(server.body ?? "") as Record<string, unknown>)["m.server"];
    } catch {}
    if (delegated === host) return fail(`https://${serverName}/.well-known/matrix/server says "${host}" without :443, so other servers try port 8448, which Funnel cannot serve.`, hostFiles);
    if (delegated !== `${host}:443`) return fail(`https://${serverName}/.well-known/matrix/server delegates to ${JSON.stringify(delegated)}, not the Funnel host "${host}:443".`, hostFiles);
    const client = asProbe(delegation.client);
    if (client.status !== 200 || !(client.body ?? "").includes(`https://${host}`)) {
      return warn(`${serverName} delegates federation correctly, but its /.well-known/matrix/client does not point clients to https://${host}: people must type the Funnel URL to log in.`, hostFiles);
    }
    return ok(`${serverName} delegates to ${host}:443 (well-known over HTTPS)`);
  }
  const tsNet = delegation.dns.answer?.cnames.find((name) => /\.ts\.net\.?$/.test(name));
  if (tsNet) {
    return fail(
      `${serverName} is a CNAME to ${tsNet.replace(/\.$/, "")} (the guide's step), and it cannot work: Funnel serves only its own ts.net name, so TLS for ${serverName} is refused (tailscale/tailscale#11563) and no server can read https://${serverName}/.well-known/matrix/server (${server.error ?? server.status}). Your server cannot federate.`,
      `Remove the CNAME. ${hostFiles} Or, before any user exists, use the Funnel host as server_name: \`mxhome init --force --server-name ${host}\`.`,
    );
  }
  return fail(`https://${serverName}/.well-known/matrix/server ${server.error ? `fails (${server.error})` : `answers ${server.status}`}: other servers cannot find ${host}.`, hostFiles);
}

export const topologyCheck: Check = {
  id: "topology",
  category: "exposure",
  title: "server_name finds the Funnel host",
  timeoutMs: 10_000,
  run: async ({ facts, config, offline, paths }) => {
    if (!usesCustomDomain(config)) return ok(`server_name is the Funnel host ${publicHost(config)}; Caddy serves the well-known itself`);
    if (offline) return skip(`--offline: the delegation from ${config.server.server_name} to ${publicHost(config)} is not looked up`);
    return judgeTopology(config, await facts.get(gatherDelegation), paths.wellKnownExportDir);
  },
};
