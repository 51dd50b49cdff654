import { join } from "node:path";
import caddyfileTemplate from "../../templates/Caddyfile" with { type: "text" };
import type { Paths } from "../config/paths.ts";
import { publicHost } from "../config/schema.ts";
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs } from "./types.ts";
import { wellKnownClient, wellKnownServer } from "./well-known.ts";
import { workerRouteRegexp } from "./worker-routes.ts";
import { type WorkerLayout, workerLayout } from "./workers.ts";

export interface CaddyOptions {
  /**
   * Peers whose X-Forwarded-* headers Caddy keeps (CIDR, space-separated).
   * Funnel's tailscaled connects from loopback. Tests narrow this to show
   * that headers from an untrusted peer are replaced.
   */
  trustedProxies?: string;
}

export const defaultTrustedProxies = "127.0.0.1/8";

export function caddyfilePath(paths: Paths): string {
  return join(paths.caddyDir, "Caddyfile");
}

/**
 * With workers: upstream's generic-worker routes go to the workers, hashed on
 * the Authorization header so one device's long-polls stay on one worker
 * (its caches stay warm). Placed after the admin block; the routes never
 * match /_synapse/admin (tested for each one).
 */
function renderWorkersRoute(layout: WorkerLayout | undefined, trustedProxies: string, upstreams?: string[]): string {
  if (!layout) return "";
  const targets = upstreams ?? layout.workers.map((worker) => `127.0.0.1:${worker.port}`);
  return [
    "	# Workers ([scale] in mxhome.toml): upstream's routing table for generic",
    "	# workers (docs/workers.md; src/render/worker-routes.ts). The rest goes to",
    "	# the main process.",
    `	@workers path_regexp workers ${workerRouteRegexp()}`,
    "	handle @workers {",
    `		reverse_proxy ${targets.join(" ")} {`,
    "			lb_policy header Authorization",
    `			trusted_proxies ${trustedProxies}`,
    "		}",
    "	}",
    "",
    "",
  ].join("\n");
}

/**
 * The Caddyfile: well-known JSON, /_matrix and /_synapse/client proxied to
 * Synapse, everything else (the admin API above all) 404. Written for Caddy
 * 2.6 (Debian bookworm) and later.
 */
export function renderCaddyfile(inputs: RenderInputs, options: CaddyOptions = {}): RenderedFile {
  const { config } = inputs;
  const content = fillTemplate(caddyfileTemplate, {
    public_host: publicHost(config),
    caddy_port: config.network.caddy_port,
    well_known_server: wellKnownServer(config),
    well_known_client: wellKnownClient(config),
    upstream: inputs.upstream ?? `127.0.0.1:${config.network.synapse_port}`,
    trusted_proxies: options.trustedProxies ?? defaultTrustedProxies,
    workers_route: renderWorkersRoute(workerLayout(inputs), options.trustedProxies ?? defaultTrustedProxies, inputs.workerUpstreams),
  });
  return { path: caddyfilePath(inputs.paths), content, mode: 0o644, affects: ["caddy"] };
}
