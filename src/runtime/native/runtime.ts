import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { readTextIfExists } from "../../io/fs.ts";
import type { ServiceName } from "../../render/types.ts";
import { recordStarted } from "../service-records.ts";
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
    if (service === "postgres") await stopPostgres(postgres());
    else await stopNativeService(paths, service);
  }

  async function start(service: ServiceName, desired: DesiredState): Promise<void> {
    if (service === "postgres") await startPostgres(postgres());
    else await startNativeService(paths, config, service);
    recordStarted(paths, service, desired.fingerprints[service]);
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
        case "restart":
          await stop(action.service);
          return start(action.service, desired);
        case "stop":
          return stop(action.service);
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
