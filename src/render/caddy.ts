import { join } from "node:path";
import caddyfileTemplate from "../../templates/Caddyfile" with { type: "text" };
import type { Paths } from "../config/paths.ts";
import { publicHost } from "../config/schema.ts";
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs } from "./types.ts";
import { wellKnownClient, wellKnownServer } from "./well-known.ts";

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
  });
  return { path: caddyfilePath(inputs.paths), content, mode: 0o644, affects: ["caddy"] };
}
