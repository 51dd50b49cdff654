import { dirname, join } from "node:path";
import caddyTemplate from "../../templates/mxhome-caddy.container" with { type: "text" };
import postgresTemplate from "../../templates/mxhome-postgres.container" with { type: "text" };
import synapseTemplate from "../../templates/mxhome-synapse.container" with { type: "text" };
import { MxError } from "../ui/errors.ts";
import { caddyfilePath } from "./caddy.ts";
import { images } from "./images.ts";
import { containerSynapsePaths } from "./synapse.ts";
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs, ServiceName } from "./types.ts";

/** The podman secret both containers read the database password from; `up` creates it. */
export const postgresPasswordSecret = "mxhome-postgres-password";

/** The user unit that runs `mxhome catch-up` (src/render/systemd.ts): Synapse's container Wants= it, so it runs on every start of Synapse, whoever started it. */
export const catchUpServiceName = "mxhome-catch-up.service";

/** Quadlet unit file → the systemd service quadlet generates from it, per service. */
export const quadletUnits: Record<ServiceName, { file: string; service: string; container: string }> = {
  postgres: { file: "mxhome-postgres.container", service: "mxhome-postgres.service", container: "mxhome-postgres" },
  synapse: { file: "mxhome-synapse.container", service: "mxhome-synapse.service", container: "mxhome-synapse" },
  caddy: { file: "mxhome-caddy.container", service: "mxhome-caddy.service", container: "mxhome-caddy" },
};

/**
 * A host path goes into `Volume=` and from there into the generated ExecStart,
 * where systemd expands `%` and `$`, and podman splits on `:`. Spaces are fine
 * (quadlet quotes them); these characters are not, so refuse them plainly.
 */
function volumeSource(path: string): string {
  if (/[:%$"\\\x00-\x1f]/.test(path)) {
    throw new MxError(`Cannot mount ${JSON.stringify(path)} into a container: it contains : % $ " \\ or a control character.`, {
      code: "render.unsafe-path",
      hint: "Point HOME or XDG_DATA_HOME/XDG_CONFIG_HOME at a directory without those characters.",
    });
  }
  return path;
}

/** Host directories the containers bind-mount; they must exist before the units start. */
export function quadletHostDirectories(inputs: RenderInputs): string[] {
  const { paths } = inputs;
  return [paths.postgresDir, paths.synapseDir, paths.secretsDir, join(paths.caddyDir, "data"), join(paths.caddyDir, "config")];
}

function renderPostgres(inputs: RenderInputs): string {
  return fillTemplate(postgresTemplate, {
    image: images.postgres,
    container_name: quadletUnits.postgres.container,
    postgres_password_secret: postgresPasswordSecret,
    postgres_port: inputs.config.network.postgres_port,
    postgres_dir: volumeSource(inputs.paths.postgresDir),
  });
}

function renderSynapse(inputs: RenderInputs): string {
  const inside = containerSynapsePaths();
  return fillTemplate(synapseTemplate, {
    image: inputs.synapseImage ?? images.synapse,
    container_name: quadletUnits.synapse.container,
    postgres_password_secret: postgresPasswordSecret,
    postgres_service: quadletUnits.postgres.service,
    catch_up_service: catchUpServiceName,
    synapse_port: inputs.config.network.synapse_port,
    synapse_dir: volumeSource(inputs.paths.synapseDir),
    secrets_dir: volumeSource(inputs.paths.secretsDir),
    overrides_file: volumeSource(inputs.paths.synapseOverridesFile),
    container_config_dir: inside.configDir,
    container_secrets_dir: dirname(inside.signingKeyFile),
    container_overrides_file: inside.overridesFile,
    container_homeserver_yaml: join(inside.configDir, "homeserver.yaml"),
    memory_high: inputs.config.resources.memory_high,
  });
}

function renderCaddy(inputs: RenderInputs): string {
  const { caddyDir } = inputs.paths;
  return fillTemplate(caddyTemplate, {
    image: images.caddy,
    container_name: quadletUnits.caddy.container,
    synapse_service: quadletUnits.synapse.service,
    caddy_port: inputs.config.network.caddy_port,
    caddyfile: volumeSource(caddyfilePath(inputs.paths)),
    caddy_data_dir: volumeSource(join(caddyDir, "data")),
    caddy_config_dir: volumeSource(join(caddyDir, "config")),
  });
}

const renderers: Record<ServiceName, (inputs: RenderInputs) => string> = {
  postgres: renderPostgres,
  synapse: renderSynapse,
  caddy: renderCaddy,
};

/**
 * The three quadlet `.container` units, under the user's quadlet dir. Empty for
 * the native runtime, which runs the same services as plain processes.
 */
export function renderQuadletUnits(inputs: RenderInputs): RenderedFile[] {
  if (inputs.config.runtime.kind !== "podman") return [];
  return (Object.keys(quadletUnits) as ServiceName[]).map((service) => ({
    path: join(inputs.paths.quadletDir, quadletUnits[service].file),
    content: renderers[service](inputs),
    mode: 0o644,
    affects: [service],
  }));
}
