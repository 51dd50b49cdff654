import { readCredentials } from "../accounts/credentials.ts";
import { accountIds } from "../accounts/index.ts";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { readSpaceState } from "../space/state.ts";
import { writeRunRecord } from "../state/runs.ts";
import { synapseAdmin } from "../synapse/admin.ts";
import type { SynapseHttp } from "../synapse/http.ts";
import { summarizeCatchUp } from "./format.ts";
import { type CatchUpReport, mayHaveStoppedQueueing } from "./report.ts";
import { listJoinedRooms, synapseWakeIo } from "./synapse-io.ts";
import { planWakeTargets } from "./targets.ts";
import { startSyncWatch } from "./watch.ts";
import { defaultWakeLimits, type WakeLimits, wakeAll } from "./wake.ts";

/**
 * `mxhome catch-up`: after Synapse (re)starts, make every homeserver we share
 * a room with send what it queued for us while we were down, now rather
 * than when its backoff timer runs out (minutes to days), and report how it
 * went. Leaves a run record ("catch-up") for `status` and `doctor`.
 */
export interface CatchUpOptions {
  /** How long to watch the bot's /sync for the woken servers' first events. */
  watchMs: number;
  limits?: WakeLimits;
}

export async function runCatchUp(paths: Paths, config: Config, http: SynapseHttp, options: CatchUpOptions): Promise<CatchUpReport> {
  const startedAt = new Date().toISOString();
  try {
    const report = await catchUp(paths, config, http, options, startedAt);
    const woken = report.servers.filter((server) => server.woken).length;
    writeRunRecord(paths, { command: "catch-up", startedAt, finishedAt: new Date().toISOString(), ok: woken === report.servers.length, summary: summarizeCatchUp(report), report });
    return report;
  } catch (error) {
    writeRunRecord(paths, { command: "catch-up", startedAt, finishedAt: new Date().toISOString(), ok: false, summary: (error as Error).message.split("\n")[0] ?? "failed" });
    throw error;
  }
}

async function catchUp(paths: Paths, config: Config, http: SynapseHttp, options: CatchUpOptions, startedAt: string): Promise<CatchUpReport> {
  // Synapse's unit also starts this on its very first start, while `mxhome up` is still creating
  // mxhome's accounts: a server no one has joined a room on yet has nothing queued anywhere.
  const service = readCredentials(paths, "service");
  const bot = readCredentials(paths, "bot");
  if (!service?.accessToken || !bot?.accessToken) {
    return { startedAt, rooms: 0, servers: [], watchedForMs: 0, limitedRooms: [], notSetUp: true };
  }
  const space = readSpaceState(paths);
  const spaceRooms = new Set(space ? [space.spaceId, ...Object.values(space.rooms)] : []);
  const rooms = await listJoinedRooms(synapseAdmin(http, service.accessToken), spaceRooms);
  const targets = planWakeTargets(rooms, config.server.server_name, accountIds(config).bot);
  const report: CatchUpReport = { startedAt, rooms: rooms.length, servers: [], watchedForMs: 0, limitedRooms: [] };
  if (targets.length === 0) return report;

  // The sync position is taken before the first wake, so no event it releases is missed.
  const watch = await startSyncWatch(http, bot.accessToken);
  const wakeStart = Date.now();
  const results = await wakeAll(targets, synapseWakeIo(http, bot.accessToken, bot.userId), options.limits ?? defaultWakeLimits);
  const watched = new Set(targets.filter((target, index) => target.botRooms.length > 0 && results[index]!.woken).map((target) => target.server));
  const arrivals = watched.size ? await watch.until(watched, wakeStart, options.watchMs) : { firstEventMs: {}, oldestEventTs: {}, limitedRooms: [] };
  report.watchedForMs = watched.size ? options.watchMs : 0;
  report.limitedRooms = arrivals.limitedRooms;
  report.servers = results.map((result, index) => {
    const oldest = arrivals.oldestEventTs[result.server];
    return {
      ...result,
      watched: targets[index]!.botRooms.length > 0,
      firstEventMs: arrivals.firstEventMs[result.server],
      ...(oldest === undefined ? {} : { queuedSince: new Date(oldest).toISOString(), newestMayBeMissing: mayHaveStoppedQueueing(oldest, wakeStart) }),
    };
  });
  return report;
}
