import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { exec } from "../../io/exec.ts";
import { ensurePrivateDir, readTextIfExists } from "../../io/fs.ts";
import { removeManagedFiles } from "../../io/managed-files.ts";
import { renderInputsFor } from "../../render/index.ts";
import { quadletHostDirectories, quadletUnits, scaleUnit } from "../../render/quadlet.ts";
import type { ServiceName } from "../../render/types.ts";
import { redisSocketOnHost } from "../../render/workers.ts";
import { ensureSecret } from "../../secrets/ensure.ts";
import { MxError } from "../../ui/errors.ts";
import { log } from "../../ui/logger.ts";
import { processLabel } from "../describe.ts";
import { waitFor, waitUntilHealthy } from "../health.ts";
import { journalTail, parseSystemdUser, recordSystemdUser, systemctlUser, unitFailed } from "../host/systemd-user.ts";
import { redisAnswers } from "../native/redis.ts";
import { workerPort } from "../native/scale.ts";
import { recordStarted } from "../service-records.ts";
import { processLogName } from "../log-sources.ts";
import { type Action, type DesiredState, type LogSource, type Runtime, type ServiceState, serviceOrder } from "../runtime.ts";
import { writeSynapseRecord } from "../native/synapse-source.ts";
import { parsePodmanRecording, recordPodmanMachine, scaleUnitsOnDisk } from "./observe.ts";
import { planPodmanDown, planPodmanUp, podmanServiceUnits } from "./plan.ts";
import { desiredPodmanSecrets, storePodmanSecret } from "./secrets.ts";
import { podmanSynapse } from "./synapse-image.ts";

/** The unit whose journal `mxhome logs` shows for a source: a service's quadlet unit, or a [scale] process's. */
export const podmanLogUnit = (source: LogSource) =>
  source.kind === "service" ? quadletUnits[source.service].service : scaleUnit(source.process).service;

/** A unit `up` starts and waits for: one of the three services, or a [scale] process (Redis, a worker). */
interface Startable {
  /** What services.json records its fingerprint under: "synapse", "worker1". */
  name: string;
  unit: string;
  container: string;
  label: string;
  /** Answers as it should; `unitFailed` ends the wait early. */
  ready: () => Promise<boolean>;
  /** For a failed start: where to read more. */
  logs: string;
}

/** PostgreSQL is ready when pg_isready says so inside its container. */
async function postgresReady(config: Config): Promise<boolean> {
  const probe = ["podman", "exec", quadletUnits.postgres.container, "pg_isready", "-q", "-h", "127.0.0.1", "-p", String(config.network.postgres_port), "-U", "synapse"];
  return (await exec(probe, { timeoutMs: 10_000 }).catch(() => undefined))?.exitCode === 0;
}

/** Waits for an HTTP answer; a unit that failed for good (StartLimitBurst) ends the wait at once. */
const httpReady = (label: string, url: string, unit: string, accept?: (response: Response) => boolean) => async () =>
  (await waitUntilHealthy({ label, url, timeoutMs: 300_000, isAlive: async () => !(await unitFailed(unit)), accept })) === "healthy";

/** Until it answers or its unit failed; then whether it answers. */
const pollReady = (answers: () => Promise<boolean>, unit: string, timeoutMs: number) => async () =>
  (await waitFor(async () => (await answers()) || (await unitFailed(unit)), timeoutMs, 500)) && !(await unitFailed(unit));

function service(config: Config, name: ServiceName): Startable {
  const { service: unit, container } = quadletUnits[name];
  const label = { postgres: "PostgreSQL", synapse: "Synapse", caddy: "Caddy" }[name];
  const ready = {
    postgres: pollReady(() => postgresReady(config), unit, 120_000),
    synapse: httpReady(label, `http://127.0.0.1:${config.network.synapse_port}/health`, unit),
    caddy: httpReady(label, `http://127.0.0.1:${config.network.caddy_port}/.well-known/matrix/server`, unit, () => true),
  }[name];
  return { name, unit, container, label, ready, logs: `\`mxhome logs ${name}\` (or \`journalctl --user -u ${unit}\`)` };
}

/** Redis answers PING on its socket (reached from the host through its mounted dir); a worker answers /health on its loopback port. */
function scaleProcess(paths: Paths, config: Config, name: string): Startable {
  const { service: unit, container } = scaleUnit(name);
  const label = processLabel(name);
  const ready =
    name === "redis"
      ? pollReady(() => redisAnswers(redisSocketOnHost(paths, "podman"), 500), unit, 60_000)
      : httpReady(label, `http://127.0.0.1:${workerPort(config, name)}/health`, unit);
  return { name, unit, container, label, ready, logs: `\`mxhome logs ${processLogName(name)}\` (or \`journalctl --user -u ${unit}\`)` };
}

async function failedStart(target: Startable, cause?: unknown): Promise<MxError> {
  return new MxError(`${target.unit} did not come up. Its last lines:\n${await journalTail(target.unit, 20, target.container)}`, {
    code: `podman.${target.name}-start-failed`,
    hint: `See ${target.logs}; after fixing the cause, run \`mxhome up\` again.`,
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
  const unitNames = (desired: DesiredState) => [...podmanServiceUnits, ...desired.scale.map((process) => scaleUnit(process.name).service), ...desired.timers];
  const observe = async (desired: DesiredState) => parsePodmanRecording(await recordPodmanMachine(paths, unitNames(desired)), process.getuid?.());

  async function startOrRestart(verb: "start" | "restart", target: Startable, fingerprint: string | undefined, desired: DesiredState): Promise<void> {
    // Bind mounts of missing host dirs would fail the container; create them as the user so they stay the user's.
    for (const dir of quadletHostDirectories(renderInputsFor(config, paths, ""))) mkdirSync(dir, { recursive: true });
    if (desired.scale.length && target.name === "synapse") {
      // A deployment made before [scale] existed has no replication secret yet; it is no identity, so `up` makes it.
      ensurePrivateDir(paths.secretsDir);
      ensureSecret(paths, "workerReplicationSecret");
    }
    // A unit that gave up (StartLimitBurst) refuses a plain start until its failure is forgotten.
    if (verb === "start") await systemctlUser(["reset-failed", target.unit]).catch(() => undefined);
    // A start without the image pulls it, which can take minutes; systemctl waits for it (TimeoutStartSec=900).
    await systemctlUser([verb, target.unit], 960_000).catch(async (error) => {
      throw await failedStart(target, error);
    });
    if (!(await target.ready())) throw await failedStart(target);
    if (fingerprint) recordStarted(paths, target.name, fingerprint);
  }

  const fingerprintOf = (desired: DesiredState, name: string) => desired.scale.find((process) => process.name === name)?.fingerprint;

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
          return startOrRestart(action.kind, service(config, action.service), desired.fingerprints[action.service], desired);
        case "stop": {
          // Workers never outlive their main process: `restore` and `upgrade` then find the database free, and `up` starts them again.
          const workers = action.service === "synapse" ? scaleUnitsOnDisk(paths).filter((name) => name !== "redis") : [];
          // (A unit systemd never loaded has nothing to stop: that refusal is no failure.)
          for (const name of workers) await systemctlUser(["stop", scaleUnit(name).service]).catch(() => undefined);
          return systemctlUser(["stop", quadletUnits[action.service].service]);
        }
        case "start-process":
        case "restart-process":
          return startOrRestart(action.kind === "start-process" ? "start" : "restart", scaleProcess(paths, config, action.process), fingerprintOf(desired, action.process), desired);
        case "stop-process":
          return systemctlUser(["stop", scaleUnit(action.process).service]);
        case "remove-units": {
          const backups = removeManagedFiles(action.files.map((file) => join(paths.quadletDir, file)), paths.renderedManifestFile);
          for (const backup of backups) log.warn(`You had edited a unit mxhome no longer needs; your version is kept as ${backup}.`);
          // A failed unit stays listed until its failure is forgotten, file or not.
          const units = action.files.map((file) => file.replace(/\.container$/, ".service"));
          await systemctlUser(["reset-failed", ...units]).catch(() => undefined);
          return;
        }
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
