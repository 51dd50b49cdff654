import { deleteLocalMedia, purgeRemoteMediaCache } from "./api.ts";
import type { PurgeContext } from "./context.ts";
import { emptyDirectories } from "./media-store.ts";
import { localMediaQuery, type MediaItem, parseMedia, remoteMediaQuery } from "./queries.ts";
import type { MediaCount, MediaStep, SpaceStep } from "./types.ts";

/**
 * Media, then disk space. Byte figures come from the database's own record of
 * each file (`media_length`), read before the deletion; the media store's
 * size before and after (thumbnails included) is in the report's sizes.
 */
const total = (items: MediaItem[]): MediaCount => ({ items: items.length, bytes: items.reduce((sum, item) => sum + item.bytes, 0) });

export async function runMediaStep(context: PurgeContext, step: MediaStep): Promise<void> {
  const { io, options } = context;
  const beforeTs = options.cutoff.before.getTime();
  const local = parseMedia(await io.sql(localMediaQuery(beforeTs, options.serverName)));
  const remote = parseMedia(await io.sql(remoteMediaQuery(beforeTs)));
  if (options.dryRun) {
    Object.assign(step, { status: local.length || remote.length ? "planned" : "nothing", local: total(local), remote: total(remote) });
    return;
  }
  // Called even when the estimate is empty: one request each, and Synapse's own rules decide.
  io.progress(`Deleting media last used before ${options.cutoff.before.toISOString()}…`);
  const deletedIds = new Set(await deleteLocalMedia(io.bulkAdmin, beforeTs));
  const bytesById = new Map(local.map((item) => [item.id, item.bytes]));
  step.local = { items: deletedIds.size, bytes: [...deletedIds].reduce((sum, id) => sum + (bytesById.get(id) ?? 0), 0) };
  const remoteDeleted = await purgeRemoteMediaCache(io.bulkAdmin, beforeTs);
  step.remote = { items: remoteDeleted, bytes: await remoteBytesRemoved(context, remote, remoteDeleted) };
  step.status = step.local.items || step.remote.items ? "done" : "nothing";
}

/** Synapse only says how many cached files went; when not all candidates did, look which are left. */
async function remoteBytesRemoved(context: PurgeContext, candidates: MediaItem[], deleted: number): Promise<number> {
  if (deleted === 0) return 0;
  if (deleted === candidates.length) return total(candidates).bytes;
  const left = new Set(parseMedia(await context.io.sql(remoteMediaQuery(context.options.cutoff.before.getTime()))).map((item) => item.id));
  return total(candidates.filter((item) => !left.has(item.id))).bytes;
}

export async function runSpaceStep(context: PurgeContext, step: SpaceStep): Promise<void> {
  const { io, options } = context;
  step.vacuum = options.vacuumFull ? "VACUUM FULL" : "VACUUM";
  step.emptyDirectories = emptyDirectories(io.mediaStoreDir, !options.dryRun).length;
  if (options.dryRun) {
    step.status = "planned";
    return;
  }
  io.progress(options.vacuumFull ? "VACUUM FULL: rewriting every table; Synapse waits on each locked table until it is done…" : "VACUUM: making the purged rows' space reusable…");
  await io.sql(step.vacuum);
  step.status = "done";
}
