import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { caddyfilePath } from "../../render/caddy.ts";
import type { ServiceName } from "../../render/types.ts";
import { MxError } from "../../ui/errors.ts";
import { waitUntilHealthy } from "../health.ts";
import { readSecret } from "../../secrets/store.ts";
import { findCaddy } from "./binaries.ts";
import { postgresDaemon } from "./postgres.ts";
import { synapsePython } from "./synapse-source.ts";
import { type DaemonIdentity, type DaemonSpec, daemonEnding, hasExited, logSize, runningPid, spawnDaemon, stopDaemon, tailLog } from "./process.ts";

/** Where the rendered deployment puts each service's main file. */
export const homeserverConfigFile = (paths: Paths) => join(paths.synapseDir, "homeserver.yaml");
export const nativeLogFile = (paths: Paths, service: ServiceName) => join(paths.logDir, `${service}.log`);

export function nativeDaemon(paths: Paths, service: ServiceName): DaemonIdentity {
  if (service === "postgres") return postgresDaemon(paths.postgresDir);
  const identity = service === "synapse" ? homeserverConfigFile(paths) : caddyfilePath(paths);
  return { pidFile: join(paths.nativeRunDir, `${service}.pid`), identity };
}

export const isRunning = (paths: Paths, service: ServiceName) => runningPid(nativeDaemon(paths, service)) !== undefined;

/** homeserver.yaml, then the user's overrides when present: what every Synapse process reads first. */
export const synapseConfigFiles = (paths: Paths) => [homeserverConfigFile(paths), ...(existsSync(paths.synapseOverridesFile) ? [paths.synapseOverridesFile] : [])];

function synapseSpec(paths: Paths, config: Config): DaemonSpec {
  const configFiles = synapseConfigFiles(paths);
  return {
    name: "synapse",
    argv: [synapsePython(paths, config), "-m", "synapse.app.homeserver", ...configFiles.flatMap((file) => ["-c", file])],
    // libpq reads the password from the environment; it never appears in argv or homeserver.yaml.
    env: { ...process.env, PGPASSWORD: readSecret(paths, "postgresPassword") },
    cwd: paths.synapseDir,
    logFile: nativeLogFile(paths, "synapse"),
    ...nativeDaemon(paths, "synapse"),
  };
}

function caddySpec(paths: Paths, config: Config): DaemonSpec {
  // Caddy keeps state under HOME/XDG dirs; keep it inside mxhome's data dir, not the user's home.
  const home = join(paths.caddyDir, "home");
  return {
    name: "caddy",
    argv: [findCaddy(config), "run", "--config", caddyfilePath(paths), "--adapter", "caddyfile"],
    env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, "data"), XDG_CONFIG_HOME: join(home, "config") },
    cwd: paths.caddyDir,
    logFile: nativeLogFile(paths, "caddy"),
    ...nativeDaemon(paths, "caddy"),
  };
}

const readiness: Record<"synapse" | "caddy", { label: string; url: (config: Config) => string; timeoutMs: number; portKey: string }> = {
  synapse: {
    label: "Synapse",
    url: (config) => `http://127.0.0.1:${config.network.synapse_port}/health`,
    // A first boot on an empty database creates the schema; a slow disk needs a while.
    timeoutMs: 180_000,
    portKey: "network.synapse_port",
  },
  caddy: {
    label: "Caddy",
    url: (config) => `http://127.0.0.1:${config.network.caddy_port}/.well-known/matrix/server`,
    timeoutMs: 30_000,
    portKey: "network.caddy_port",
  },
};

/**
 * Pure: why a start failed, with what the daemon wrote (its stdout and stderr) during this start. A
 * daemon that wrote nothing was most likely stopped from outside: the message says so, and how it ended.
 */
export function startFailureMessage(label: string, outcome: "died" | "timeout", ending: string | undefined, lines: string, logFile: string): string {
  const what = outcome === "died" ? `exited while starting${ending ? ` (${ending})` : ""}` : "did not become healthy in time";
  const output = lines.trim()
    ? lines
    : `It wrote nothing to ${logFile} during this start${outcome === "died" ? ": something outside stopped it (a kill, the OOM killer: see \`journalctl -k\`), or it could not start at all." : "."}`;
  return `${label} ${what}.\n${output}`;
}

/** Starts Synapse or Caddy and waits until it answers; a failed start is an error with its last log lines. */
export async function startNativeService(paths: Paths, config: Config, service: "synapse" | "caddy"): Promise<void> {
  const spec = service === "synapse" ? synapseSpec(paths, config) : caddySpec(paths, config);
  mkdirSync(spec.cwd, { recursive: true });
  mkdirSync(paths.nativeRunDir, { recursive: true, mode: 0o700 });
  const logStart = logSize(spec.logFile);
  const ready = readiness[service];
  const pid = spawnDaemon(spec);
  const outcome = await waitUntilHealthy({
    label: ready.label,
    url: ready.url(config),
    timeoutMs: ready.timeoutMs,
    // Accept any HTTP answer from Caddy: a 404 still proves it is serving; Synapse's /health must be 200.
    accept: service === "synapse" ? (response) => response.ok : () => true,
    // Not runningPid's command-line check: right after spawn, and at each exec of nice → ionice → the daemon,
    // /proc/<pid>/cmdline reads empty for a moment, and a live daemon would count as died.
    isAlive: () => !hasExited(pid),
  });
  if (outcome === "healthy") return;
  if (outcome === "timeout") await stopDaemon(spec);
  const ending = outcome === "died" ? await daemonEnding(pid) : undefined;
  const lines = tailLog(spec.logFile, 20, logStart);
  const portTaken = /address already in use/i.test(lines);
  throw new MxError(startFailureMessage(ready.label, outcome, ending, lines, spec.logFile), {
    code: `native.${service}-start-failed`,
    hint: portTaken
      ? `Its port is taken by another program: set ${ready.portKey} in mxhome.toml to a free port, then run \`mxhome up\`.`
      : `Full log: ${spec.logFile}`,
  });
}

export async function stopNativeService(paths: Paths, service: "synapse" | "caddy"): Promise<boolean> {
  return stopDaemon(nativeDaemon(paths, service));
}
