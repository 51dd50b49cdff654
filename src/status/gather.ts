import type { Paths } from "../config/paths.ts";
import { type Config, publicHost } from "../config/schema.ts";
import { readConfig } from "../doctor/context.ts";
import { gatherDatabase } from "../doctor/facts/database.ts";
import { createFacts } from "../doctor/facts/index.ts";
import { gatherSynapse, synapseVersion } from "../doctor/facts/local-http.ts";
import { gatherServices, type ServiceObservation } from "../doctor/facts/services.ts";
import { gatherUnits, timerJobs } from "../doctor/facts/systemd.ts";
import { createDoctorIo, type DoctorIo } from "../doctor/io.ts";
import { timerStates } from "../doctor/checks/services/timers.ts";
import { loadServiceSession } from "../accounts/index.ts";
import { synapseAdmin } from "../synapse/admin.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { readRunRecord } from "../state/runs.ts";
import { lastBackup } from "../backup/last.ts";
import { processUsages } from "./proc.ts";
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

async function countAccountsAndRooms(paths: Paths, synapsePort: number): Promise<ServerStatus["counts"]> {
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

function withUsage(services: ServiceObservation[], now: Date): ServerStatus["services"] {
  const pids = services.filter((service) => service.pid !== undefined && service.since === undefined).map((service) => service.pid!);
  const usages = processUsages(pids, now.getTime());
  return services.map((service) => {
    const usage = service.pid !== undefined ? usages.get(service.pid) : undefined;
    return {
      service: service.service,
      state: service.state,
      ...(service.pid !== undefined ? { pid: service.pid } : {}),
      since: service.since ?? usage?.since,
      memoryBytes: service.memoryBytes ?? usage?.memoryBytes,
      ...(service.restarts ? { restarts: service.restarts } : {}),
    };
  });
}

function backupStatus(paths: Paths, config: Config, now: Date): ServerStatus["backup"] {
  const { newest, ageDays, lastRun } = lastBackup(paths, config, now);
  return {
    scheduled: config.backup.enabled,
    ...(newest ? { newest: { createdAt: newest.createdAt, bytes: newest.bytes, encrypted: newest.encrypted }, ageDays } : {}),
    ...(lastRun ? { lastRun } : {}),
  };
}

export async function gatherStatus(options: StatusOptions): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const { config, load } = readConfig(options.paths.configFile);
  if (!config) return { configured: false, configFile: load.file, problem: load.state === "missing" ? "not set up yet: run `mxhome init`" : `mxhome.toml is ${load.state}: run \`mxhome doctor\`` };
  const io = createDoctorIo(options.io);
  const facts = createFacts({ paths: options.paths, config, io, mxhomeBinary: "" });
  const [services, synapse, database, counts, media, units] = await Promise.all([
    within(facts.get(gatherServices), []),
    within(facts.get(gatherSynapse), undefined),
    within(facts.get(gatherDatabase), { reachable: false }),
    within(countAccountsAndRooms(options.paths, config.network.synapse_port), undefined),
    within(mediaBytes(io, options.paths.mediaStoreDir), undefined),
    within(facts.get(gatherUnits), { reachable: false, units: {} }),
  ]);
  const run = (command: string) => {
    const record = readRunRecord(options.paths, command);
    return record ? { finishedAt: record.finishedAt, ok: record.ok, summary: record.summary } : undefined;
  };
  return {
    configured: true,
    serverName: config.server.server_name,
    publicUrl: `https://${publicHost(config)}`,
    runtime: config.runtime.kind,
    services: withUsage(services, now),
    synapse: { healthy: synapse?.health.status === 200, version: synapse ? synapseVersion(synapse.version) : undefined },
    counts,
    sizes: { databaseBytes: database.sizeBytes, mediaBytes: media },
    lastRuns: { purge: run("purge"), kick: run("kick"), "catch-up": run("catch-up") },
    backup: backupStatus(options.paths, config, now),
    timers: units.reachable
      ? timerStates(units, timerJobs(config)).map((timer) => ({ job: timer.job, state: timer.state, next: timer.next ? new Date(timer.next).toISOString() : undefined }))
      : timerJobs(config).map((job) => ({ job, state: "unknown" as const })),
  };
}
