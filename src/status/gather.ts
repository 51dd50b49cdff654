import { existsSync } from "node:fs";
import type { Paths } from "../config/paths.ts";
import { defaultConfig } from "../config/render-toml.ts";
import type { ServiceName } from "../render/types.ts";
import { type Config, publicHost } from "../config/schema.ts";
import { readConfig } from "../doctor/context.ts";
import { gatherDatabase } from "../doctor/facts/database.ts";
import { createFacts } from "../doctor/facts/index.ts";
import { gatherSynapse, synapseVersion } from "../doctor/facts/local-http.ts";
import { gatherScale } from "../doctor/facts/scale.ts";
import { gatherServices, type ServiceObservation } from "../doctor/facts/services.ts";
import { gatherUnits, timerJobs } from "../doctor/facts/systemd.ts";
import { createDoctorIo, type DoctorIo } from "../doctor/io.ts";
import { timerStates } from "../doctor/checks/services/timers.ts";
import { loadServiceSession } from "../accounts/index.ts";
import { synapseAdmin } from "../synapse/admin.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { readRunRecord } from "../state/runs.ts";
import { lastBackup } from "../backup/last.ts";
import { deployedVersions } from "../upgrade/deployed.ts";
import { behindPins, planUpgrade } from "../upgrade/versions.ts";
import { type ProcessUsage, processUsages } from "./proc.ts";
import type { ServerStatus, StatusReport } from "./types.ts";

/**
 * `mxhome status`: one look at the machine. Every probe has a timeout and a
 * fallback, so a server that is down (or half up) gives a report that says
 * so instead of an error. Built on the doctor's fact gatherers.
 */
export interface StatusOptions {
  paths: Paths;
  io?: Partial<DoctorIo>;
  now?: Date;
}

const probeTimeoutMs = 2_000;

async function within<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), probeTimeoutMs)));
  try {
    return await Promise.race([work.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A probe of a service known to be stopped cannot succeed: skip it (a psql
 * that cannot connect still costs a process start). Run it when the state is
 * unknown. Natively the states come from pid files, at once.
 */
async function unlessStopped<T>(services: Promise<ServiceObservation[]>, service: ServiceName, probe: () => Promise<T>, fallback: T): Promise<T> {
  const state = (await services).find((observed) => observed.service === service)?.state;
  return state === "stopped" || state === "failed" || state === "missing" ? fallback : within(probe(), fallback);
}

export async function countAccountsAndRooms(paths: Paths, synapsePort: number): Promise<ServerStatus["counts"]> {
  const admin = synapseAdmin(createSynapseHttp(`http://127.0.0.1:${synapsePort}`, { timeoutMs: probeTimeoutMs, maxRateLimitRetries: 0 }), loadServiceSession(paths).accessToken);
  const [users, rooms] = await Promise.all([
    admin.request<{ total: number }>("GET", "/_synapse/admin/v2/users", { query: { limit: 1, guests: false, deactivated: false } }),
    admin.request<{ total_rooms: number }>("GET", "/_synapse/admin/v1/rooms", { query: { limit: 1 } }),
  ]);
  return { users: users.total, rooms: rooms.total_rooms };
}

async function mediaBytes(io: DoctorIo, dir: string): Promise<number | undefined> {
  if (!io.stat(dir)) return 0;
  const output = await io.run(["du", "-s", "-B1", dir], { timeoutMs: probeTimeoutMs });
  const bytes = Number(output?.exitCode === 0 ? output.stdout.split("\t")[0] : Number.NaN);
  return Number.isFinite(bytes) ? bytes : undefined;
}

/** Natively, uptime and memory come from /proc (not systemd): pids whose start time is not known yet. */
const pidsNeedingUsage = (services: ServiceObservation[]) =>
  services.filter((service) => service.pid !== undefined && service.since === undefined).map((service) => service.pid!);

function withUsage(services: ServiceObservation[], usages: Map<number, ProcessUsage>): ServerStatus["services"] {
  return services.map((service) => {
    const usage = service.pid !== undefined ? usages.get(service.pid) : undefined;
    return {
      service: service.service,
      state: service.state,
      ...(service.pid !== undefined ? { pid: service.pid } : {}),
      since: service.since ?? usage?.since,
      memoryBytes: service.memoryBytes ?? usage?.memoryBytes,
      ...(service.restarts ? { restarts: service.restarts } : {}),
      ...(service.unit ? { unit: service.unit } : {}),
      ...(service.lastLines ? { lastLines: service.lastLines } : {}),
    };
  });
}

function backupStatus(paths: Paths, config: Config, now: Date): ServerStatus["backup"] {
  const { newest, ageDays, lastRun } = lastBackup(paths, config, now);
  const restore = readRunRecord(paths, "restore");
  const restoredArchive = (restore?.report as { archive?: unknown } | undefined)?.archive;
  return {
    scheduled: config.backup.enabled,
    ...(newest ? { newest: { createdAt: newest.createdAt, bytes: newest.bytes, encrypted: newest.encrypted }, ageDays } : {}),
    ...(lastRun ? { lastRun } : {}),
    ...(restore?.ok && typeof restoredArchive === "string" ? { restoredFrom: { archive: restoredArchive, finishedAt: restore.finishedAt } } : {}),
  };
}

/** Without even valid TOML: the defaults, and the native runtime if it ever ran here (its state dir exists). */
function guessedConfig(paths: Paths): Config {
  const config = defaultConfig({ server_name: "" });
  if (existsSync(paths.nativeRunDir)) config.runtime.kind = "native";
  return config;
}

export async function gatherStatus(options: StatusOptions): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const { config, load, bestEffort } = readConfig(options.paths.configFile);
  const io = createDoctorIo(options.io);
  if (!config) {
    if (load.state === "missing") return { configured: false, configFile: load.file, problem: "not set up yet: run `mxhome init`" };
    const seen = bestEffort ?? guessedConfig(options.paths);
    const services = await within(createFacts({ paths: options.paths, config: seen, io, mxhomeBinary: "" }).get(gatherServices), []);
    return { configured: false, configFile: load.file, problem: load.state, problems: load.problems, services: withUsage(services, processUsages(pidsNeedingUsage(services), now.getTime())) };
  }
  const facts = createFacts({ paths: options.paths, config, io, mxhomeBinary: "" });
  const observedServices = within(facts.get(gatherServices), []);
  const probes = Promise.all([
    observedServices,
    unlessStopped(observedServices, "synapse", () => facts.get(gatherSynapse), undefined),
    unlessStopped(observedServices, "postgres", () => facts.get(gatherDatabase), { reachable: false }),
    unlessStopped(observedServices, "synapse", () => countAccountsAndRooms(options.paths, config.network.synapse_port), undefined),
    within(mediaBytes(io, options.paths.mediaStoreDir), undefined),
    within(facts.get(gatherUnits), { reachable: false, units: {} }),
    within(facts.get(gatherScale), []),
  ]);
  // Reading /proc is synchronous: done once the probes have started their processes and
  // requests (setImmediate runs after those microtasks), while they are awaited.
  const usages = observedServices.then(async (services) => {
    await new Promise((resolve) => setImmediate(resolve));
    return processUsages(pidsNeedingUsage(services), now.getTime());
  });
  const [[services, synapse, database, counts, media, units, scale], usage] = await Promise.all([probes, usages]);
  const run = (command: string, kind?: string) => {
    const record = readRunRecord(options.paths, command, kind);
    return record ? { finishedAt: record.finishedAt, ok: record.ok, summary: record.summary } : undefined;
  };
  return {
    configured: true,
    serverName: config.server.server_name,
    publicUrl: `https://${publicHost(config)}`,
    runtime: config.runtime.kind,
    services: withUsage(services, usage),
    workers: scale.map(({ name, state, healthy, wanted, pid, port, unit }) => ({
      name,
      state,
      healthy,
      wanted,
      ...(pid !== undefined ? { pid } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(unit !== undefined ? { unit } : {}),
    })),
    synapse: { healthy: synapse?.health.status === 200, version: synapse ? synapseVersion(synapse.version) : undefined },
    behindPins: behindPins(planUpgrade(deployedVersions(options.paths, config))),
    counts,
    sizes: { databaseBytes: database.sizeBytes, mediaBytes: media },
    lastRuns: { purge: run("purge"), kick: run("kick"), kickPreview: run("kick", "preview"), "catch-up": run("catch-up") },
    backup: backupStatus(options.paths, config, now),
    timers: units.reachable
      ? timerStates(units, timerJobs(config)).map((timer) => ({ job: timer.job, state: timer.state, next: timer.next ? new Date(timer.next).toISOString() : undefined }))
      : timerJobs(config).map((job) => ({ job, state: "unknown" as const })),
  };
}
