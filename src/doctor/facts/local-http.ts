import { publicHost } from "../../config/schema.ts";
import type { FactScope } from "./index.ts";

/**
 * What Synapse and Caddy answer on loopback. Each probe is one GET with a
 * short timeout; a refused connection is an answer too (`error`).
 */
export interface Probe {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  error?: string;
}

export async function probe(scope: FactScope, url: string, headers?: Record<string, string>): Promise<Probe> {
  try {
    const answer = await scope.io.httpGet(url, { headers, timeoutMs: 2_000 });
    return { status: answer.status, headers: Object.fromEntries(answer.headers), body: answer.body.slice(0, 4_096) };
  } catch (error) {
    const cause = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    return { error: cause === "ECONNREFUSED" || /refused|Unable to connect/i.test((error as Error).message) ? "connection refused" : (error as Error).message };
  }
}

export interface SynapseObservation {
  url: string;
  health: Probe;
  version: Probe;
}

export async function gatherSynapse(scope: FactScope): Promise<SynapseObservation> {
  const url = `http://127.0.0.1:${scope.config.network.synapse_port}`;
  const [health, version] = await Promise.all([probe(scope, `${url}/health`), probe(scope, `${url}/_matrix/federation/v1/version`)]);
  return { url, health, version };
}

/** Pure: "1.163.2" from Synapse's /_matrix/federation/v1/version answer. */
export function synapseVersion(version: Probe): string | undefined {
  try {
    return (JSON.parse(version.body ?? "") as { server?: { version?: string } }).server?.version;
  } catch {
    return undefined;
  }
}

export interface CaddyObservation {
  url: string;
  server: Probe;
  client: Probe;
  /** The admin API through Caddy, as Funnel would ask for it (Host: the public host). */
  admin: Probe;
  /** The client API through Caddy. */
  versions: Probe;
}

export async function gatherCaddy(scope: FactScope): Promise<CaddyObservation> {
  const url = `http://127.0.0.1:${scope.config.network.caddy_port}`;
  const host = { Host: publicHost(scope.config) };
  const [server, client, admin, versions] = await Promise.all([
    probe(scope, `${url}/.well-known/matrix/server`, host),
    probe(scope, `${url}/.well-known/matrix/client`, host),
    probe(scope, `${url}/_synapse/admin/v1/server_version`, host),
    probe(scope, `${url}/_matrix/client/versions`, host),
  ]);
  return { url, server, client, admin, versions };
}
