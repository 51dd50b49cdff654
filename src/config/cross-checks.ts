import { mostWorkers } from "./scale.ts";
import type { Config } from "./schema.ts";

/**
 * Rules that span several keys, checked after each key is valid on its own.
 * Pure: `mxhome.toml` (load.ts) and `init` flags (init/answers.ts) both run
 * them, so both refuse the same thing with the same words.
 */
export interface CrossProblem {
  /** The key the problem is reported at, e.g. ["network", "caddy_port"]. */
  path: [string, string];
  message: string;
}

const portKeys = ["synapse_port", "caddy_port", "postgres_port"] as const;

/** Each service listens on its own port on 127.0.0.1: two on one port means one of them never starts. */
function portProblems(config: Config): CrossProblem[] {
  const problems: CrossProblem[] = [];
  const firstUser = new Map<number, string>();
  for (const key of portKeys) {
    const port = config.network[key];
    const earlier = firstUser.get(port);
    if (earlier === undefined) firstUser.set(port, key);
    else problems.push({ path: ["network", key], message: `network.${key} = ${port} is the same port as network.${earlier}; each service needs its own port` });
  }
  return problems;
}

/**
 * The workers' ports (the main process's replication listener, then one per
 * worker) must not take a service's port: under podman too, since every
 * container shares the host's network.
 */
function scaleProblems(config: Config): CrossProblem[] {
  const { workers, first_port: first } = config.scale;
  if (workers === "off") return [];
  const last = first + mostWorkers(workers);
  const clash = portKeys.find((key) => config.network[key] >= first && config.network[key] <= last);
  return clash
    ? [{ path: ["scale", "first_port"], message: `scale.first_port = ${first}: workers use ports ${first}-${last}, which includes network.${clash} = ${config.network[clash]}; move scale.first_port` }]
    : [];
}

export function crossCheckConfig(config: Config): CrossProblem[] {
  return [...portProblems(config), ...scaleProblems(config)];
}
