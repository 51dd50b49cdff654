import { join } from "node:path";

/**
 * Every location mxhome touches, derived from HOME and XDG_* only, so tests
 * (and users with unusual layouts) redirect everything through the environment.
 */
export interface Paths {
  /** The user's single source of truth. */
  configFile: string;
  configDir: string;
  /** Synapse settings the user owns; mxhome creates it once and never rewrites it. */
  synapseOverridesFile: string;
  /** Rendered deployment and persistent data. */
  dataDir: string;
  synapseDir: string;
  mediaStoreDir: string;
  secretsDir: string;
  /** Generated once by `mxhome init`, mode 0600, never rewritten. */
  secrets: {
    signingKey: string;
    macaroonSecret: string;
    formSecret: string;
    registrationSecret: string;
    postgresPassword: string;
    /** Authenticates HTTP replication between Synapse's main process and its workers ([scale]). */
    workerReplicationSecret: string;
  };
  postgresDir: string;
  caddyDir: string;
  /** The native runtime's managed Synapse installs, one venv per version (`<dir>/<version>/`). */
  synapseVenvsDir: string;
  /** Files the user must host on a custom domain (topology B). */
  wellKnownExportDir: string;
  /** Machine-made facts: hashes of rendered files, credentials, run records, the kick ledger. */
  stateDir: string;
  renderedManifestFile: string;
  credentialsDir: string;
  runsDir: string;
  nativeRunDir: string;
  logDir: string;
  /** Where systemd and quadlet look for the user's units. */
  quadletDir: string;
  systemdUserDir: string;
}

export type Environment = Record<string, string | undefined>;

export function resolvePaths(env: Environment = process.env, configFileOverride?: string): Paths {
  const home = env.HOME;
  if (!home) throw new Error("HOME is not set");
  const configHome = env.XDG_CONFIG_HOME || join(home, ".config");
  const dataHome = env.XDG_DATA_HOME || join(home, ".local", "share");
  const stateHome = env.XDG_STATE_HOME || join(home, ".local", "state");

  const configDir = join(configHome, "mxhome");
  const dataDir = join(dataHome, "mxhome");
  const stateDir = join(stateHome, "mxhome");
  const secretsDir = join(dataDir, "secrets");
  return {
    configFile: configFileOverride || env.MXHOME_CONFIG || join(configDir, "mxhome.toml"),
    configDir,
    synapseOverridesFile: join(configDir, "homeserver.overrides.yaml"),
    dataDir,
    synapseDir: join(dataDir, "synapse"),
    mediaStoreDir: join(dataDir, "synapse", "media_store"),
    secretsDir,
    secrets: {
      signingKey: join(secretsDir, "signing.key"),
      macaroonSecret: join(secretsDir, "macaroon_secret_key"),
      formSecret: join(secretsDir, "form_secret"),
      registrationSecret: join(secretsDir, "registration_shared_secret"),
      postgresPassword: join(secretsDir, "postgres_password"),
      workerReplicationSecret: join(secretsDir, "worker_replication_secret"),
    },
    postgresDir: join(dataDir, "postgres"),
    caddyDir: join(dataDir, "caddy"),
    // Not under synapseDir: that one holds homeserver.yaml and the media, is mounted into the container and is backed up.
    synapseVenvsDir: join(dataDir, "synapse-venv"),
    wellKnownExportDir: join(dataDir, "well-known-for-your-domain"),
    stateDir,
    renderedManifestFile: join(stateDir, "rendered.json"),
    credentialsDir: join(stateDir, "credentials"),
    runsDir: join(stateDir, "runs"),
    nativeRunDir: join(stateDir, "native"),
    logDir: join(stateDir, "logs"),
    quadletDir: join(configHome, "containers", "systemd"),
    systemdUserDir: join(configHome, "systemd", "user"),
  };
}
