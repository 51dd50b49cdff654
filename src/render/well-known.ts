import { join } from "node:path";
import readmeTemplate from "../../templates/well-known-README.txt" with { type: "text" };
import { type Config, publicHost, usesCustomDomain } from "../config/schema.ts";
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs } from "./types.ts";

/**
 * `/.well-known/matrix/server`: federation goes to the Funnel host on 443,
 * because 8448 is not a port Funnel can serve.
 */
export function wellKnownServer(config: Config): string {
  return JSON.stringify({ "m.server": `${publicHost(config)}:443` });
}

/**
 * `/.well-known/matrix/client`: clients find the homeserver at the Funnel
 * host, and a call server only when `[calls] livekit_service_url` names one
 * (MSC4143 foci): advertising one that isn't there would break every call.
 */
export function wellKnownClient(config: Config): string {
  const url = config.calls.livekit_service_url;
  return JSON.stringify({
    "m.homeserver": { base_url: `https://${publicHost(config)}` },
    ...(url ? { "org.matrix.msc4143.rtc_foci": [{ type: "livekit", livekit_service_url: url }] } : {}),
  });
}

/**
 * Topology B (server_name is a custom domain): the two well-known files the
 * user must host at https://<server_name>/.well-known/matrix/, plus a README
 * saying how and why. Nothing for topology A, where Caddy serves them itself.
 */
export function renderWellKnownExport(inputs: RenderInputs): RenderedFile[] {
  const { config, paths } = inputs;
  if (!usesCustomDomain(config)) return [];
  const matrixDir = join(paths.wellKnownExportDir, ".well-known", "matrix");
  const file = (path: string, content: string): RenderedFile => ({ path, content, mode: 0o644, affects: [] });
  return [
    file(join(matrixDir, "server"), `${wellKnownServer(config)}\n`),
    file(join(matrixDir, "client"), `${wellKnownClient(config)}\n`),
    file(
      join(paths.wellKnownExportDir, "README.txt"),
      fillTemplate(readmeTemplate, {
        server_name: config.server.server_name,
        public_host: publicHost(config),
        export_dir: paths.wellKnownExportDir,
      }),
    ),
  ];
}
