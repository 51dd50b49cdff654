import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { synapseDatabase } from "../runtime/database.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { deployedVersions } from "./deployed.ts";
import { type ComponentVersions, type DeploymentCheck, planUpgrade } from "./versions.ts";

/** What the servers themselves answer, for `upgrade --check` and doctor. */

/** Synapse's own answer; undefined when it does not answer. The endpoint needs no token. */
export async function runningSynapseVersion(config: Config): Promise<string | undefined> {
  const http = createSynapseHttp(`http://127.0.0.1:${config.network.synapse_port}`, { timeoutMs: 5_000, maxRateLimitRetries: 0 });
  try {
    return (await http.request<{ server_version?: string }>("GET", "/_synapse/admin/v1/server_version")).server_version;
  } catch {
    return undefined;
  }
}

/** PostgreSQL's `server_version` ("15.14 (Debian 15.14-0+deb12u1)" → "15.14"); undefined when it does not answer. */
export async function runningPostgresVersion(paths: Paths, config: Config): Promise<string | undefined> {
  try {
    return (await synapseDatabase(paths, config).serverVersion()).trim().split(/\s/)[0] || undefined;
  } catch {
    return undefined;
  }
}

/** Deployed and running versions of every component. */
export async function observeVersions(paths: Paths, config: Config): Promise<ComponentVersions[]> {
  const [synapse, postgres] = await Promise.all([runningSynapseVersion(config), runningPostgresVersion(paths, config)]);
  const running: Partial<Record<ComponentVersions["component"], string>> = { synapse, postgres };
  return deployedVersions(paths, config).map((component) => ({ ...component, running: running[component.component] }));
}

/** `upgrade --check`: every component's versions and the steps to this mxhome's pins. */
export async function checkDeploymentVersions(paths: Paths, config: Config): Promise<DeploymentCheck> {
  const components = await observeVersions(paths, config);
  return { runtime: config.runtime.kind, components, ...planUpgrade(components) };
}
