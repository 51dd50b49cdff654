import { mkdirSync } from "node:fs";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { exec } from "../../io/exec.ts";
import { readTextIfExists } from "../../io/fs.ts";
import { renderInputsFor } from "../../render/index.ts";
import { quadletHostDirectories, quadletUnits } from "../../render/quadlet.ts";
import type { ServiceName } from "../../render/types.ts";
import { MxError } from "../../ui/errors.ts";
import { waitFor, waitUntilHealthy } from "../health.ts";
import { journalTail, parseSystemdUser, recordSystemdUser, systemctlUser, unitFailed } from "../host/systemd-user.ts";
import { recordStarted } from "../service-records.ts";
import { logName } from "../log-sources.ts";
import { type Action, type DesiredState, type LogSource, type Runtime, type ServiceState, serviceOrder } from "../runtime.ts";
import { writeSynapseRecord } from "../native/synapse-source.ts";
import { parsePodmanRecording, recordPodmanMachine } from "./observe.ts";
import { planPodmanDown, planPodmanUp, podmanServiceUnits } from "./plan.ts";
import { desiredPodmanSecrets, storePodmanSecret } from "./secrets.ts";
import { podmanSynapse } from "./synapse-image.ts";

/**
 * The unit whose journal `mxhome logs` shows for a source: a service's quadlet
 * unit; a [scale] process's is named after its log, mxhome-redis.service and
 * mxhome-synapse-worker1.service (the names the podman workers' units take).
 */
export const podmanLogUnit = (source: LogSource) => (source.kind === "service" ? quadletUnits[source.service].service : `mxhome-${logName(source)}.service`);

/** PostgreSQL is ready when pg_isready says so inside its container. */
async function postgresReady(config: Config): Promise<boolean> {
  const probe = ["podman", "exec", quadletUnits.postgres.container, "pg_isready", "-q", "-h", "127.0.0.1", "-p", String(config.network.postgres_port), "-U", "synapse"];
  return (await exec(probe, { timeoutMs: 10_000 }).catch(() => undefined))?.exitCode === 0;
}

/** Waits for the service to answer; a unit that failed for good (StartLimitBurst) ends the wait at once. */
async function waitUntilReady(config: Config, service: ServiceName): Promise<boolean> {
  const unit = quadletUnits[service].service;
  if (service === "postgres") return (await waitFor(async () => (await postgresReady(config)) || (await unitFailed(unit)), 120_000, 500)) && !(await unitFailed(unit));
  const url =
    service === "synapse"
      ? `http://127.0.0.1:${config.network.synapse_port}/health`
      : `http://127.0.0.1:${config.network.caddy_port}/.well-known/matrix/server`;
  const label = service === "synapse" ? "Synapse" : "Caddy";
  const isAlive = async () => !(await unitFailed(unit));
  return (await waitUntilHealthy({ label, url, timeoutMs: 300_000, isAlive, accept: service === "synapse" ? undefined : () => true })) === "healthy";
}

async function failedStart(service: ServiceName, cause?: unknown): Promise<MxError> {
  const unit = quadletUnits[service].service;
  return new MxError(`${unit} did not come up. Its last lines:\n${await journalTail(unit, 20, quadletUnits[service].container)}`, {
    code: `podman.${service}-start-failed`,
    hint: `See \`mxhome logs ${service}\` (or \`journalctl --user -u ${unit}\`); after fixing the cause, run \`mxhome up\` again.`,
    cause,
  });
}

async function pullImage(image: string): Promise<void> {
  const result = await exec(["podman", "pull", "--quiet", image], { timeoutMs: 900_000 }).catch((error: Error) => ({ exitCode: 127, stdout: "", stderr: error.message }));
  if (result.exitCode === 0) return;
  throw new MxError(`\`podman pull ${image}\` failed: ${result.stderr.trim().split("\n").slice(-3).join("\n") || `exit ${result.exitCode}`}`, {
    code: "podman.pull-failed",
    hint: "Check your internet connection and `podman pull` by hand; `mxhome up` pulls again next time.",
  });
}

/** The podman runtime: quadlet units under the user's systemd, started and checked in order. */
export function createPodmanRuntime(paths: Paths, config: Config): Runtime {
  const unitNames = (desired: DesiredState) => [...podmanServiceUnits, ...desired.timers];
  const observe = async (desired: DesiredState) => parsePodmanRecording(await recordPodmanMachine(paths, unitNames(desired)), process.getuid?.());

  async function startOrRestart(verb: "start" | "restart", service: ServiceName, desired: DesiredState): Promise<void> {
    // Bind mounts of missing host dirs would fail the container; create them as the user so they stay the user's.
    for (const dir of quadletHostDirectories(renderInputsFor(config, paths, ""))) mkdirSync(dir, { recursive: true });
    // A unit that gave up (StartLimitBurst) refuses a plain start until its failure is forgotten.
    if (verb === "start") await systemctlUser(["reset-failed", quadletUnits[service].service]).catch(() => undefined);
    // A start without the image pulls it, which can take minutes; systemctl waits for it (TimeoutStartSec=900).
    await systemctlUser([verb, quadletUnits[service].service], 960_000).catch(async (error) => {
      throw await failedStart(service, error);
    });
    if (!(await waitUntilReady(config, service))) throw await failedStart(service);
    recordStarted(paths, service, desired.fingerprints[service]);
  }

  return {
    kind: "podman",
    fingerprintInputs: () => {
      // A replaced secret only reaches a container that is created again, i.e. restarted.
      const secrets = desiredPodmanSecrets(paths).map((secret) => `${secret.name}=${secret.fingerprint}`);
      return { postgres: secrets, synapse: [...secrets, readTextIfExists(paths.synapseOverridesFile) ?? ""] };
    },
    async planUp(desired) {
      return planPodmanUp(desired, await observe(desired), desiredPodmanSecrets(paths), podmanSynapse(paths));
    },
    async planDown(desired) {
      return planPodmanDown(desired, await observe(desired));
    },
    async apply(action: Action, desired: DesiredState) {
      switch (action.kind) {
        case "podman-secret":
          return storePodmanSecret(paths, action.name, action.mode);
        case "pull-image":
          return pullImage(action.image);
        case "record-synapse":
          return writeSynapseRecord(paths, action.source);
        case "start":
        case "restart":
          return startOrRestart(action.kind, action.service, desired);
        case "stop":
          return systemctlUser(["stop", quadletUnits[action.service].service]);
        default:
          throw new Error(`the podman runtime cannot ${action.kind}`);
      }
    },
    async serviceStates() {
      const systemd = parseSystemdUser(await recordSystemdUser(podmanServiceUnits));
      const state = (service: ServiceName): ServiceState => {
        const active = systemd.units[quadletUnits[service].service]?.active;
        return !systemd.reachable ? "unknown" : active === "active" ? "running" : active === "failed" ? "failed" : "stopped";
      };
      return Object.fromEntries(serviceOrder.map((service) => [service, state(service)])) as Record<ServiceName, ServiceState>;
    },
    async logs(request) {
      const units = request.sources.flatMap((source) => ["--unit", podmanLogUnit(source)]);
      const argv = ["journalctl", "--user", ...units, "--lines", String(request.lines), "--no-pager"];
      const child = Bun.spawn(request.follow ? [...argv, "--follow"] : argv, { stdio: ["inherit", "inherit", "inherit"] });
      await child.exited;
    },
  };
}
