import { MxError } from "../ui/errors.ts";
import { listRooms } from "./api.ts";
import type { PurgeContext } from "./context.ts";
import { mediaStoreBytes } from "./media-store.ts";
import { databaseSizeQuery, parseScalar } from "./queries.ts";
import { runDeadRoomsStep, runHistoryStep } from "./room-steps.ts";
import { runMediaStep, runSpaceStep } from "./store-steps.ts";
import type { PurgeReport, StepBase } from "./types.ts";

/**
 * One purge run: measure, dead rooms, history, media, database space,
 * measure again. Dead rooms go first so no history purge is spent on a room
 * about to be deleted. The first error stops the run: that step is marked
 * failed and the ones after it stay "not-run", so the report never claims a
 * step that did not happen. Never throws; the report carries the error.
 */
const notRun = { status: "not-run", durationMs: 0 } as const;

export function emptyReport(context: PurgeContext, startedAt: Date): PurgeReport {
  const { cutoff, dryRun, vacuumFull } = context.options;
  return {
    dryRun,
    ok: false,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    asOf: cutoff.asOf.toISOString(),
    before: cutoff.before.toISOString(),
    window: { text: cutoff.windowText, source: cutoff.windowSource },
    steps: {
      deadRooms: { ...notRun, rooms: [], deleted: 0, events: 0, failures: [] },
      history: { ...notRun, rooms: 0, roomsPurged: 0, events: 0, failures: [] },
      media: { ...notRun, local: { items: 0, bytes: 0 }, remote: { items: 0, bytes: 0 } },
      space: { ...notRun, vacuum: vacuumFull ? "VACUUM FULL" : "VACUUM", emptyDirectories: 0 },
    },
    sizes: { databaseBytes: {}, mediaStoreBytes: {} },
  };
}

async function timed<T>(step: StepBase, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } catch (error) {
    step.status = "failed";
    step.error = (error as Error).message.split("\n")[0];
    throw error;
  } finally {
    step.durationMs = Math.round(performance.now() - start);
  }
}

function describeError(error: unknown): NonNullable<PurgeReport["error"]> {
  if (error instanceof MxError) return { message: error.message, code: error.code, hint: error.hint };
  return { message: (error as Error)?.message ?? String(error), code: "purge.failed" };
}

export async function runPurge(context: PurgeContext): Promise<PurgeReport> {
  const { io, options } = context;
  const start = performance.now();
  const report = emptyReport(context, io.now());
  const { steps, sizes } = report;
  try {
    sizes.databaseBytes.before = parseScalar(await io.sql(databaseSizeQuery));
    sizes.mediaStoreBytes.before = mediaStoreBytes(io.mediaStoreDir);
    const rooms = await listRooms(io.admin);
    const leaveAlone = await timed(steps.deadRooms, () => runDeadRoomsStep(context, rooms, steps.deadRooms));
    await timed(steps.history, () => runHistoryStep(context, rooms, leaveAlone, steps.history));
    await timed(steps.media, () => runMediaStep(context, steps.media));
    await timed(steps.space, () => runSpaceStep(context, steps.space));
    if (!options.dryRun) {
      sizes.databaseBytes.after = parseScalar(await io.sql(databaseSizeQuery));
      sizes.mediaStoreBytes.after = mediaStoreBytes(io.mediaStoreDir);
    }
    const failed = steps.deadRooms.failures.length + steps.history.failures.length;
    if (failed) {
      report.error = {
        message: `${failed} room(s) could not be purged; the rest of the run completed.`,
        code: "purge.rooms-failed",
        hint: "The report lists each room and Synapse's error. Run `mxhome purge` again; `mxhome logs synapse` shows more.",
      };
    }
  } catch (error) {
    report.error = describeError(error);
  }
  report.ok = report.error === undefined;
  report.durationMs = Math.round(performance.now() - start);
  return report;
}
