import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { publicHost } from "../config/schema.ts";
import type { Paths } from "../config/paths.ts";
import homeserverTemplate from "../../templates/homeserver.yaml" with { type: "text" };
import logConfigTemplate from "../../templates/log.config" with { type: "text" };
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs, SynapsePaths } from "./types.ts";
import { containerRedisDir, redisSocketPath, renderReplicationListener, renderWorkersBlock, renderWorkerFiles, workerLayout } from "./workers.ts";

/** JSON strings are valid YAML double-quoted scalars, so any value is safe. */
const yamlString = (value: string) => JSON.stringify(value);

/** Synapse reads `http_proxy`/`https_proxy` keys for outbound traffic, federation included (setup/forward_proxy.md). */
function outboundProxyBlock(config: Config): string {
  const proxy = config.network.outbound_proxy;
  if (!proxy) return "";
  return [
    "",
    "# Outgoing requests (federation, key fetches, remote media) leave through this",
    "# proxy instead of revealing your home IP. Funnel hides only incoming traffic.",
    `http_proxy: ${yamlString(proxy)}`,
    `https_proxy: ${yamlString(proxy)}`,
    "no_proxy_hosts: [\"127.0.0.1\", \"localhost\"]",
    "",
  ].join("\n");
}

/**
 * `[calls] livekit_service_url`: Synapse 1.163 serves the same call server
 * on `/_matrix/client/unstable/org.matrix.msc4143/rtc/transports`
 * (config/matrixrtc.py, behind experimental_features.msc4143_enabled).
 * Nothing at all when unset, so no client is sent to a focus that isn't there.
 */
function callsBlock(config: Config): string {
  const url = config.calls.livekit_service_url;
  if (!url) return "";
  return [
    "",
    "# Calls: a LiveKit call server hosted elsewhere ([calls] in mxhome.toml).",
    "experimental_features:",
    "  msc4143_enabled: true",
    "matrix_rtc:",
    "  transports:",
    "    - type: livekit",
    `      livekit_service_url: ${yamlString(url)}`,
    "",
  ].join("\n");
}

/** The host path of the user's overrides is named in the header so people know where to edit. */
export function renderHomeserverYaml(inputs: RenderInputs): string {
  const { config, synapsePaths } = inputs;
  const layout = workerLayout(inputs);
  return fillTemplate(homeserverTemplate, {
    overrides_file: inputs.paths.synapseOverridesFile,
    server_name: yamlString(config.server.server_name),
    public_baseurl: yamlString(`https://${publicHost(config)}/`),
    synapse_port: config.network.synapse_port,
    postgres_port: config.network.postgres_port,
    log_config: yamlString(join(synapsePaths.configDir, "log.config")),
    media_store_path: yamlString(synapsePaths.mediaStoreDir),
    signing_key_path: yamlString(synapsePaths.signingKeyFile),
    macaroon_secret_key_path: yamlString(synapsePaths.macaroonSecretFile),
    form_secret_path: yamlString(synapsePaths.formSecretFile),
    registration_shared_secret_path: yamlString(synapsePaths.registrationSecretFile),
    max_upload_size: yamlString(config.server.max_upload),
    retention_days: config.retention.days,
    outbound_proxy_block: outboundProxyBlock(config),
    calls_block: callsBlock(config),
    replication_listener: renderReplicationListener(layout),
    workers_block: renderWorkersBlock(inputs, layout),
  });
}

/** homeserver.yaml and its log config, written to the host's synapse dir. */
export function renderSynapseFiles(inputs: RenderInputs): RenderedFile[] {
  const { paths } = inputs;
  return [
    { path: join(paths.synapseDir, "homeserver.yaml"), content: renderHomeserverYaml(inputs), mode: 0o644, affects: ["synapse"] },
    { path: join(paths.synapseDir, "log.config"), content: logConfigTemplate, mode: 0o644, affects: ["synapse"] },
    ...renderWorkerFiles(inputs),
  ];
}

/** Inside the synapse container: the synapse dir is /data, secrets /secrets, overrides /config, Redis's socket dir /run/redis. */
export function containerSynapsePaths(): SynapsePaths {
  return {
    configDir: "/data",
    mediaStoreDir: "/data/media_store",
    signingKeyFile: "/secrets/signing.key",
    macaroonSecretFile: "/secrets/macaroon_secret_key",
    formSecretFile: "/secrets/form_secret",
    registrationSecretFile: "/secrets/registration_shared_secret",
    workerReplicationSecretFile: "/secrets/worker_replication_secret",
    overridesFile: "/config/homeserver.overrides.yaml",
    redisSocketFile: join(containerRedisDir, "redis.sock"),
  };
}

/** Natively Synapse sees the host's own paths. */
export function hostSynapsePaths(paths: Paths): SynapsePaths {
  return {
    configDir: paths.synapseDir,
    mediaStoreDir: paths.mediaStoreDir,
    signingKeyFile: paths.secrets.signingKey,
    macaroonSecretFile: paths.secrets.macaroonSecret,
    formSecretFile: paths.secrets.formSecret,
    registrationSecretFile: paths.secrets.registrationSecret,
    workerReplicationSecretFile: paths.secrets.workerReplicationSecret,
    overridesFile: paths.synapseOverridesFile,
    redisSocketFile: redisSocketPath(paths),
  };
}
