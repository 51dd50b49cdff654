import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { ensurePrivateDir, readTextIfExists } from "../../io/fs.ts";
import type { ServiceName } from "../../render/types.ts";
import { readStartedWith, recordStarted } from "../service-records.ts";
import type { Action, DesiredState, Runtime, ServiceState } from "../runtime.ts";
import { serviceOrder } from "../runtime.ts";
import { log } from "../../ui/logger.ts";
import { findPostgresBindir } from "./binaries.ts";
import { observeNative } from "./observe.ts";
import { loginUnit, planNativeDown, planNativeUp } from "./plan.ts";
import {
  describePostgresCluster,
  ensureSynapseDatabase,
  initPostgresCluster,
  type PostgresCluster,
  renderPostgresSettings,
  startPostgres,
  stopPostgres,
} from "./postgres.ts";
import { showNativeLogs } from "./logs.ts";
import { isRunning, startNativeService, stopNativeService } from "./services.ts";
import { isScaleProcessRunning, scaleProcessesOnDisk, startScaleProcess, stopScaleProcess } from "./scale.ts";
import { ensureSecret } from "../../secrets/ensure.ts";
import { pinnedSynapseVersion, synapseLock } from "./synapse-lock.ts";
import { writeSynapseRecord } from "./synapse-source.ts";
import { installManagedSynapse, keptLockFile, lockForVersion } from "./synapse-venv.ts";
import { isTerminal } from "../../ui/terminal.ts";

/** pip's progress ("12 of 60 packages collected", "installing 60 packages"): on a terminal, each new stage at most every few seconds. */
function installProgress(version: string, intervalMs = 3000) {
  if (!isTerminal(2)) return undefined;
  let last = 0;
  let shown = "";
  return (stage: string) => {
    const installing = stage.startsWith("installing");
    if (stage === shown || (!installing && Date.now() - last < intervalMs)) return;
    last = Date.now();
    shown = stage;
    log.info(`Synapse ${version}: ${stage}${installing ? " (about a minute)" : ""}`);
  };
}

/** The native runtime: the same rendered deployment, run as plain detached processes. */
export function createNativeRuntime(paths: Paths, config: Config): Runtime {
  let cluster: PostgresCluster | undefined;
  // Finding the binaries probes the file system; only pay for it when PostgreSQL must be touched.
  const postgres = () => (cluster ??= describePostgresCluster(paths, config, findPostgresBindir(config, paths.postgresDir)));
  const unitNames = (desired: DesiredState) => [...desired.timers, loginUnit];

  async function stop(service: ServiceName): Promise<void> {
    // Workers never outlive their main process: `restore` then finds the database free, and `up` starts them again after it.
    if (service === "synapse") for (const name of scaleProcessesOnDisk(paths).filter((name) => name !== "redis")) await stopScaleProcess(paths, name);
    if (service === "postgres") await stopPostgres(postgres());
    else await stopNativeService(paths, service);
  }

  async function start(service: ServiceName, desired: DesiredState): Promise<void> {
    if (service === "synapse" && desired.scale.length) {
      // A deployment made before [scale] existed has no replication secret yet; it is no identity, so `up` makes it.
      ensurePrivateDir(paths.secretsDir);
      ensureSecret(paths, "workerReplicationSecret");
    }
    if (service === "postgres") await startPostgres(postgres());
    else await startNativeService(paths, config, service);
    recordStarted(paths, service, desired.fingerprints[service]);
  }

  const runningWorkers = () => scaleProcessesOnDisk(paths).filter((name) => name !== "redis" && isScaleProcessRunning(paths, name));
  const isCurrent = (name: string, desired: DesiredState) =>
    isScaleProcessRunning(paths, name) && readStartedWith(paths)[name] === desired.scale.find((process) => process.name === name)?.fingerprint && startedThisRun.has(name);
  /** Processes (re)started by this runtime object: one `up`, one `upgrade`. */
  const startedThisRun = new Set<string>();

  async function startProcess(name: string, desired: DesiredState): Promise<void> {
    await startScaleProcess(paths, config, name);
    startedThisRun.add(name);
    const fingerprint = desired.scale.find((process) => process.name === name)?.fingerprint;
    if (fingerprint) recordStarted(paths, name, fingerprint);
  }

  return {
    kind: "native",
    fingerprintInputs: () => ({
      postgres: [renderPostgresSettings({ port: config.network.postgres_port, socketDir: paths.nativeRunDir })],
      synapse: [readTextIfExists(paths.synapseOverridesFile) ?? ""],
    }),
    async planUp(desired) {
      return planNativeUp(desired, await observeNative(paths, config, unitNames(desired)));
    },
    async planDown(desired) {
      return planNativeDown(desired, await observeNative(paths, config, unitNames(desired)));
    },
    async apply(action: Action, desired: DesiredState) {
      switch (action.kind) {
        case "install-synapse": {
          const kept = keptLockFile(paths, action.version);
          const lock = lockForVersion(action.version, { version: pinnedSynapseVersion, lock: synapseLock }, { path: kept, text: readTextIfExists(kept) });
          await installManagedSynapse(paths, action.version, lock, installProgress(action.version));
          return writeSynapseRecord(paths, { kind: "managed", version: action.version });
        }
        case "record-synapse":
          return writeSynapseRecord(paths, action.source);
        case "init-database-cluster":
          return initPostgresCluster(postgres());
        case "create-database":
          await ensureSynapseDatabase(postgres());
          return;
        case "start":
          return start(action.service, desired);
        case "restart": {
          // Stopping Synapse stops its workers (see stop); a restart starts the ones that ran again, so `upgrade` leaves none down.
          const workers = action.service === "synapse" ? runningWorkers() : [];
          await stop(action.service);
          await start(action.service, desired);
          for (const name of workers.filter((worker) => desired.scale.some((process) => process.name === worker))) await startProcess(name, desired);
          return;
        }
        case "stop":
          return stop(action.service);
        case "restart-process":
          // Already restarted with these inputs, by the restart of its main process earlier in this plan.
          if (isCurrent(action.process, desired)) return;
          await stopScaleProcess(paths, action.process);
          return startProcess(action.process, desired);
        case "start-process":
          return startProcess(action.process, desired);
        case "stop-process":
          await stopScaleProcess(paths, action.process);
          return;
        default:
          throw new Error(`the native runtime cannot ${action.kind}`);
      }
    },
    async serviceStates() {
      const states = serviceOrder.map((service) => [service, isRunning(paths, service) ? "running" : "stopped"] as const);
      return Object.fromEntries(states) as Record<ServiceName, ServiceState>;
    },
    logs: (request) => showNativeLogs(paths, request),
  };
}
