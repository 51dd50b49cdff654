import { MxError } from "../ui/errors.ts";
import {
  type AdminRoom,
  historyPurgeState,
  roomDeleteState,
  startHistoryPurge,
  startRoomDelete,
  type TaskState,
  waitForTask,
} from "./api.ts";
import { forEachBounded, throttledProgress } from "./bounded.ts";
import type { PurgeContext } from "./context.ts";
import { durationModel } from "./polling.ts";
import { deadRoomCandidates, decideDeadRooms, findDeadRooms } from "./dead-rooms.ts";
import {
  eventSnapshotQuery,
  eventsUpToQuery,
  historyEstimateQuery,
  localMembershipQuery,
  parseCounts,
  parseScalar,
  roomEventCountsQuery,
  roomNamesQuery,
} from "./queries.ts";
import type { DeadRoomsStep, HistoryStep, RoomFailure } from "./types.ts";

/**
 * The two steps that work room by room, each room a background task on
 * Synapse's side, at most `concurrency` in flight. A room whose task fails is
 * listed in the step's failures; the other rooms go on.
 */
const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/** Synapse unreachable or the token refused: no other room would fare better, so the run stops. */
function stopsTheRun(error: unknown): boolean {
  if (!(error instanceof MxError)) return true;
  return ["synapse.unreachable", "synapse.M_UNKNOWN_TOKEN", "synapse.M_MISSING_TOKEN", "synapse.M_FORBIDDEN"].includes(error.code);
}

/** Runs one background task per room, `events` sizing each task's expected duration. */
async function eachRoomTask(
  context: PurgeContext,
  events: Map<string, number>,
  label: string,
  run: (roomId: string, expectedMs: number) => Promise<TaskState | undefined>,
): Promise<{ done: string[]; failures: RoomFailure[] }> {
  const roomIds = [...events.keys()];
  const done: string[] = [];
  const failures: RoomFailure[] = [];
  const progress = throttledProgress(context.io.progress);
  const model = durationModel();
  let finished = 0;
  await forEachBounded(roomIds, context.options.concurrency, async (roomId) => {
    const start = performance.now();
    const state = await run(roomId, model.expect(events.get(roomId)!)).catch((error: unknown): TaskState => {
      if (stopsTheRun(error)) throw error;
      return { status: "failed", error: (error as Error).message };
    });
    if (state) model.observe(events.get(roomId)!, performance.now() - start);
    if (state?.status === "failed") failures.push({ roomId, error: state.error });
    else if (state) done.push(roomId); // no state: Synapse found nothing older after all
    progress(++finished, roomIds.length, (count, total) => `${label}: ${count}/${total} rooms`);
  });
  return { done, failures };
}

/** Deletes rooms no local user is in; returns the rooms the history step should leave alone. */
export async function runDeadRoomsStep(context: PurgeContext, rooms: AdminRoom[], step: DeadRoomsStep): Promise<Set<string>> {
  const { io, options } = context;
  // Each query only when there is something to ask about: every one is a psql process.
  const ask = async (ids: string[], query: (ids: string[]) => string) => (ids.length ? io.sql(query(ids)) : []);
  const withLocalMembers = new Set((await ask(deadRoomCandidates(rooms), localMembershipQuery)).map((row) => row[0]!));
  const dead = findDeadRooms({ rooms, withLocalMembers, protectedRooms: options.protectedRooms });
  const names = new Map((await ask(dead.filter((room) => !room.name).map((room) => room.roomId), roomNamesQuery)).map(([id, name]) => [id!, name!]));
  step.rooms = dead.map((room) => ({ ...room, name: room.name || names.get(room.roomId) || null }));
  const confirmedBefore = io.deadRoomsConfirmation.confirmed();
  const decision = decideDeadRooms({
    enabled: options.purgeDeadRooms,
    count: dead.length,
    confirmedBefore,
    yes: options.yes,
    interactive: io.confirmDeadRooms !== undefined,
    dryRun: options.dryRun,
  });
  const ids = dead.map((room) => room.roomId);
  if (decision === "disabled") return skip(step, "[retention] purge_dead_rooms = false in mxhome.toml.");
  if (decision === "none") return skip(step);
  if (decision === "needs-confirmation" && !options.dryRun) {
    return skip(step, `${dead.length} room(s) no local user is in would be deleted. The first time, this needs a yes: run \`mxhome purge --yes\` (\`mxhome purge --dry-run\` lists them).`);
  }
  const events = parseCounts(await io.sql(roomEventCountsQuery(ids)));
  if (options.dryRun) {
    // A dry run shows what a real run would delete, and what that real run needs the first time.
    const firstTime = "This is the first time: a real run asks before deleting them (on a terminal), or needs `mxhome purge --yes`; later runs don't ask.";
    Object.assign(step, { status: "planned", deleted: dead.length, events: sum(events.values()), ...(decision === "needs-confirmation" ? { note: firstTime } : {}) });
    return new Set(ids);
  }
  if (decision === "ask") {
    if (!(await io.confirmDeadRooms!(step.rooms))) return skip(step, "Not confirmed; they are kept, and the next run asks again.");
    io.deadRoomsConfirmation.remember("prompt");
  } else if (!confirmedBefore) io.deadRoomsConfirmation.remember("--yes");

  io.progress(`Deleting ${dead.length} dead room(s)…`);
  const sizes = new Map(ids.map((id) => [id, events.get(id) ?? 0]));
  const { done, failures } = await eachRoomTask(context, sizes, "dead rooms", async (roomId, expectedMs) => {
    const deleteId = await startRoomDelete(io.admin, roomId);
    return waitForTask(() => roomDeleteState(io.admin, deleteId), expectedMs);
  });
  Object.assign(step, { status: failures.length ? "failed" : "done", deleted: done.length, events: sum(done.map((id) => events.get(id) ?? 0)), failures });
  return new Set(done);
}

function skip(step: DeadRoomsStep, note?: string): Set<string> {
  step.status = note ? "skipped" : "nothing";
  if (note) step.note = note;
  return new Set();
}

/** purge_history up to the cut-off in every room that has something older. */
export async function runHistoryStep(context: PurgeContext, rooms: AdminRoom[], leaveAlone: Set<string>, step: HistoryStep): Promise<void> {
  const { io, options } = context;
  const beforeTs = options.cutoff.before.getTime();
  const roomIds = rooms.map((room) => room.room_id).filter((id) => !leaveAlone.has(id));
  const estimate = parseCounts(await io.sql(historyEstimateQuery(beforeTs)));
  const toPurge = roomIds.filter((id) => (estimate.get(id) ?? 0) > 0);
  step.rooms = roomIds.length;
  if (options.dryRun) {
    Object.assign(step, { status: toPurge.length ? "planned" : "nothing", roomsPurged: toPurge.length, events: sum(toPurge.map((id) => estimate.get(id)!)) });
    return;
  }
  if (!toPurge.length) {
    step.status = "nothing";
    return;
  }
  // Measured, not estimated: events at or below today's highest stream position that are gone afterwards.
  const [maxStream, countBefore] = ((await io.sql(eventSnapshotQuery))[0] ?? []).map(Number) as [number, number];
  io.progress(`Purging history older than ${options.cutoff.before.toISOString()} in ${toPurge.length} of ${roomIds.length} room(s)…`);
  const sizes = new Map(toPurge.map((id) => [id, estimate.get(id)!]));
  const { done, failures } = await eachRoomTask(context, sizes, "history", async (roomId, expectedMs) => {
    const purgeId = await startHistoryPurge(io.admin, roomId, beforeTs);
    return purgeId === undefined ? undefined : waitForTask(() => historyPurgeState(io.admin, purgeId), expectedMs);
  });
  const countAfter = parseScalar(await io.sql(eventsUpToQuery(maxStream)));
  Object.assign(step, { status: failures.length ? "failed" : "done", roomsPurged: done.length, events: countBefore - countAfter, failures });
}
