import { readCredentials } from "../accounts/credentials.ts";
import { accountIds } from "../accounts/index.ts";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { forEachBounded } from "../purge/bounded.ts";
import { readSpaceState } from "../space/state.ts";
import { readRunRecord, writeRunRecord } from "../state/runs.ts";
import { synapseAdmin } from "../synapse/admin.ts";
import type { SynapseHttp } from "../synapse/http.ts";
import { summarizeCatchUp } from "./format.ts";
import { type Anchor, closeGaps, defaultGapLimits, type GapIo, type GapLimits } from "./gaps.ts";
import { carryActivity, type CatchUpReport } from "./report.ts";
import { listJoinedRooms, synapseGapIo, synapseWakeIo } from "./synapse-io.ts";
import { gapRooms, planWakeTargets } from "./targets.ts";
import { startSyncWatch } from "./watch.ts";
import { defaultWakeLimits, type WakeLimits, wakeAll } from "./wake.ts";

/**
 * `mxhome catch-up`: after Synapse (re)starts, make every homeserver we share
 * a room with send what it queued for us while we were down, now rather
 * than when its backoff timer runs out (minutes to days), then fetch what
 * it did not send (gaps.ts), and report how it went. Leaves a run record
 * ("catch-up") for `status`, `doctor` and kick.
 */
export interface CatchUpOptions {
  /** How long to watch the bot's /sync for the woken servers' first events; 0 also skips the gap check. */
  watchMs: number;
  limits?: WakeLimits;
  gapLimits?: GapLimits;
}

/** After the watch: this long without a new event means the woken servers have sent what they had. */
const settleQuietMs = 2_000;
const settleMaxMs = 20_000;
const dayMs = 86_400_000;

export async function runCatchUp(paths: Paths, config: Config, http: SynapseHttp, options: CatchUpOptions): Promise<CatchUpReport> {
  const startedAt = new Date().toISOString();
  const previous = (readRunRecord(paths, "catch-up")?.report as Partial<CatchUpReport> | undefined)?.fetchedActivity ?? [];
  try {
    const report = await catchUp(paths, config, http, options, startedAt);
    // Kick decides on activity newer than after_days; older fetched activity can't matter to it.
    report.fetchedActivity = carryActivity(previous, report.fetchedActivity, Date.parse(startedAt) - config.kick.after_days * dayMs);
    const woken = report.servers.filter((server) => server.woken).length;
    const closed = (report.gaps?.rooms ?? []).every((room) => room.closed);
    writeRunRecord(paths, { command: "catch-up", startedAt, finishedAt: new Date().toISOString(), ok: woken === report.servers.length && closed, summary: summarizeCatchUp(report), report });
    return report;
  } catch (error) {
    const report = { fetchedActivity: carryActivity(previous, [], Date.parse(startedAt) - config.kick.after_days * dayMs) };
    writeRunRecord(paths, { command: "catch-up", startedAt, finishedAt: new Date().toISOString(), ok: false, summary: (error as Error).message.split("\n")[0] ?? "failed", report });
    throw error;
  }
}

/** Where each room's history stands now: its newest event (rooms without one are left out). */
async function readAnchors(roomIds: readonly string[], io: GapIo): Promise<Anchor[]> {
  const anchors: (Anchor | undefined)[] = new Array(roomIds.length);
  await forEachBounded(roomIds, 4, async (roomId, index) => {
    const newest = await io.newest(roomId);
    anchors[index] = newest && { roomId, eventId: newest.event_id, depth: newest.depth };
  });
  return anchors.filter((anchor): anchor is Anchor => anchor !== undefined);
}

async function catchUp(paths: Paths, config: Config, http: SynapseHttp, options: CatchUpOptions, startedAt: string): Promise<CatchUpReport> {
  // Synapse's unit also starts this on its very first start, while `mxhome up` is still creating
  // mxhome's accounts: a server no one has joined a room on yet has nothing queued anywhere.
  const service = readCredentials(paths, "service");
  const bot = readCredentials(paths, "bot");
  if (!service?.accessToken || !bot?.accessToken) {
    return { startedAt, rooms: 0, servers: [], watchedForMs: 0, limitedRooms: [], fetchedActivity: [], notSetUp: true };
  }
  const space = readSpaceState(paths);
  const spaceRooms = new Set(space ? [space.spaceId, ...Object.values(space.rooms)] : []);
  const admin = synapseAdmin(http, service.accessToken);
  const rooms = await listJoinedRooms(admin, spaceRooms);
  const targets = planWakeTargets(rooms, config.server.server_name, accountIds(config).bot);
  const report: CatchUpReport = { startedAt, rooms: rooms.length, servers: [], watchedForMs: 0, limitedRooms: [], fetchedActivity: [] };
  if (targets.length === 0) return report;

  // Before the wake: each room's newest event now is the last one held before the outage.
  const gapIo = synapseGapIo(admin);
  const gapLimits = options.gapLimits ?? defaultGapLimits;
  const candidates = options.watchMs > 0 ? gapRooms(targets, new Set(targets.map((target) => target.server))).slice(0, gapLimits.rooms) : [];
  const anchors = await readAnchors(candidates, gapIo);
  // The sync position is taken before the first wake, so no event it releases is missed.
  const watch = await startSyncWatch(http, bot.accessToken);
  const wakeStart = Date.now();
  const results = await wakeAll(targets, synapseWakeIo(http, bot.accessToken, bot.userId), options.limits ?? defaultWakeLimits);
  const wokenServers = new Set(results.filter((result) => result.woken).map((result) => result.server));
  const watched = new Set(targets.filter((target) => target.botRooms.length > 0 && wokenServers.has(target.server)).map((target) => target.server));
  const arrivals = watched.size ? await watch.until(watched, wakeStart, options.watchMs) : undefined;
  report.watchedForMs = watched.size ? options.watchMs : 0;
  report.limitedRooms = arrivals?.limitedRooms ?? [];
  report.servers = results.map((result, index) => {
    const oldest = arrivals?.oldestEventTs[result.server];
    return {
      ...result,
      watched: targets[index]!.botRooms.length > 0,
      firstEventMs: arrivals?.firstEventMs[result.server],
      ...(oldest === undefined ? {} : { queuedSince: new Date(oldest).toISOString() }),
    };
  });
  if (arrivals && options.watchMs > 0) {
    await watch.settle(settleQuietMs, settleMaxMs);
    const checkable = new Set(gapRooms(targets, wokenServers));
    const outcome = await closeGaps(
      anchors.filter((anchor) => checkable.has(anchor.roomId)),
      { synced: arrivals.synced, ownServer: config.server.server_name },
      gapIo,
      gapLimits,
    );
    report.gaps = { checked: outcome.checked, skipped: outcome.skipped, rooms: outcome.rooms, fetched: outcome.rooms.reduce((sum, room) => sum + room.fetched, 0) };
    report.fetchedActivity = outcome.activity;
  }
  return report;
}
