import { publicHost } from "../../../config/schema.ts";
import { gatherTailscale, type TailscaleObservation } from "../../facts/tailscale.ts";
import type { ServeConfig } from "../../../tailscale/serve-config.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

export interface FunnelExpectation {
  /** The Funnel host, e.g. desktop.tail1234.ts.net. */
  host: string;
  caddyPort: number;
  synapsePort: number;
}

const normalize = (target: string | undefined) => (target ?? "").replace(/\/+$/, "").replace("//localhost:", "//127.0.0.1:");

/** Pure: what a serve config does with `<host>:<port>`. */
function mapping(config: ServeConfig, hostPort: string) {
  const handler = config.Web?.[hostPort]?.Handlers?.["/"];
  return { handler, funnel: config.AllowFunnel?.[hostPort] === true, https: config.TCP?.[hostPort.split(":").pop()!]?.HTTPS === true };
}

/** Funnel must publish <host>:443 (HTTPS, --bg) to Caddy on 127.0.0.1:<caddy_port>, and nothing else there. */
export function judgeFunnel(observation: TailscaleObservation, expected: FunnelExpectation): Verdict {
  const target = `http://127.0.0.1:${expected.caddyPort}`;
  const turnOn = `tailscale funnel --bg --https=443 ${target}`;
  if (observation.serveError) return fail(`cannot read the Funnel settings: ${observation.serveError}.`, "sudo tailscale set --operator=$USER   # lets your user read and change them");
  const serve = observation.serve ?? {};
  const hostPort = `${expected.host}:443`;
  const background = mapping(serve, hostPort);
  const proxy = normalize(background.handler?.Proxy);
  if (background.handler && proxy !== target) {
    const what = proxy === `http://127.0.0.1:${expected.synapsePort}` ? "straight to Synapse, past Caddy: the admin API is public" : `to ${background.handler.Proxy ?? background.handler.Path ?? background.handler.Text ?? "something"}, not Caddy`;
    return fail(`${hostPort} is served ${what}.`, `tailscale funnel --https=443 off && ${turnOn}`);
  }
  if (background.handler && !background.funnel) {
    return fail(`${hostPort} is served to your tailnet only; Funnel (the public internet) is off.`, turnOn);
  }
  if (background.handler && background.funnel) {
    if (!background.https) return fail(`${hostPort} is funnelled but tailscaled does not terminate HTTPS on 443.`, `tailscale funnel --https=443 off && ${turnOn}`);
    return ok(`Funnel publishes https://${expected.host} → ${target} (Caddy)`);
  }
  const foreground = Object.values(serve.Foreground ?? {}).some((config) => mapping(config, hostPort).funnel && normalize(mapping(config, hostPort).handler?.Proxy) === target);
  if (foreground) {
    return warn(
      "Funnel runs in the foreground (a `tailscale funnel` command or service without --bg): it stops when that command does.",
      `Stop that command or service (the guide's tailscale-funnel.service: \`sudo systemctl disable --now tailscale-funnel\`), then \`${turnOn}\` (--bg persists across reboots).`,
    );
  }
  const otherPorts = Object.keys(serve.AllowFunnel ?? {}).filter((key) => key.startsWith(`${expected.host}:`) && serve.AllowFunnel?.[key]);
  if (otherPorts.length) {
    return fail(`Funnel is on for ${otherPorts.join(", ")}, but federation and the well-known expect ${hostPort}.`, turnOn);
  }
  return fail(`Funnel is off: nothing reaches https://${expected.host} from the internet.`, turnOn);
}

export const funnelCheck = defineCheck({
  id: "funnel",
  category: "exposure",
  title: "Funnel maps 443 to Caddy",
  after: ["tailscale"],
  gather: gatherTailscale,
  judge: (tailscale, { config }) => judgeFunnel(tailscale, { host: publicHost(config), caddyPort: config.network.caddy_port, synapsePort: config.network.synapse_port }),
});
