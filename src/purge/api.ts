import type { SynapseAdmin } from "../synapse/admin.ts";
import { isMatrixError } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
import { pollDelays } from "./polling.ts";

/**
 * The admin API calls `mxhome purge` makes (element-hq/synapse
 * docs/admin_api/{rooms,purge_history_api,media_admin_api}.md). The two
 * long-running ones are background tasks on Synapse's side: start, then poll.
 */
export interface AdminRoom {
  room_id: string;
  name: string | null;
  canonical_alias: string | null;
  joined_members: number;
  joined_local_members: number;
}

const pageSize = 500;
const enc = encodeURIComponent;

/** Every room, read in pages before anything is deleted (offsets shift under deletions). */
export async function listRooms(admin: SynapseAdmin): Promise<AdminRoom[]> {
  const rooms: AdminRoom[] = [];
  for (let from = 0; ; ) {
    const page = await admin.request<{ rooms: AdminRoom[]; next_batch?: number }>("GET", "/_synapse/admin/v1/rooms", {
      query: { from, limit: pageSize },
    });
    rooms.push(...page.rooms);
    if (page.next_batch === undefined || page.rooms.length === 0) return rooms;
    from = page.next_batch;
  }
}

export type TaskState = { status: "active" } | { status: "complete" } | { status: "failed"; error: string };

/** Synapse's task statuses: scheduled/active are still running; cancelled counts as failed. */
export function taskState(status: string, error?: string | null): TaskState {
  if (status === "complete") return { status: "complete" };
  if (status === "scheduled" || status === "active") return { status: "active" };
  return { status: "failed", error: error || status };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a task until it ends, first near its expected end (polling.ts), then backing off. */
export async function waitForTask(
  poll: () => Promise<TaskState>,
  expectedMs: number,
  pause: (ms: number) => Promise<unknown> = sleep,
): Promise<TaskState> {
  for (const delay of pollDelays(expectedMs)) {
    await pause(delay);
    const state = await poll();
    if (state.status !== "active") return state;
  }
  throw new Error("unreachable");
}

/** Starts purge_history up to `beforeTs`; undefined when Synapse says the room has nothing older (404). */
export async function startHistoryPurge(admin: SynapseAdmin, roomId: string, beforeTs: number): Promise<string | undefined> {
  try {
    const answer = await admin.request<{ purge_id: string }>("POST", `/_synapse/admin/v1/purge_history/${enc(roomId)}`, {
      body: { delete_local_events: true, purge_up_to_ts: beforeTs },
    });
    return answer.purge_id;
  } catch (error) {
    if (isMatrixError(error, "M_NOT_FOUND")) return undefined;
    throw error;
  }
}

export async function historyPurgeState(admin: SynapseAdmin, purgeId: string): Promise<TaskState> {
  const answer = await admin.request<{ status: string; error?: string }>("GET", `/_synapse/admin/v1/purge_history_status/${enc(purgeId)}`);
  return taskState(answer.status, answer.error);
}

interface DeleteTask {
  delete_id: string;
  status: string;
  shutdown_room?: { error?: string } | null;
}

const deleteTaskState = (task: DeleteTask) => taskState(task.status, task.shutdown_room?.error);

/**
 * Deletes a room and purges it from the database (v2, a background task).
 * A delete already running for it (an interrupted earlier run) is joined, not repeated.
 */
export async function startRoomDelete(admin: SynapseAdmin, roomId: string): Promise<string> {
  try {
    const answer = await admin.request<{ delete_id: string }>("DELETE", `/_synapse/admin/v2/rooms/${enc(roomId)}`, { body: { purge: true } });
    return answer.delete_id;
  } catch (error) {
    if (!(error instanceof MxError && /already in progress/i.test(error.message))) throw error;
    const { results } = await admin.request<{ results: DeleteTask[] }>("GET", `/_synapse/admin/v2/rooms/${enc(roomId)}/delete_status`);
    const running = results.find((task) => deleteTaskState(task).status === "active");
    if (!running) throw error;
    return running.delete_id;
  }
}

export async function roomDeleteState(admin: SynapseAdmin, deleteId: string): Promise<TaskState> {
  return deleteTaskState(await admin.request<DeleteTask>("GET", `/_synapse/admin/v2/rooms/delete_status/${enc(deleteId)}`));
}

/** Local media last used before `beforeTs`; profile pictures and room avatars are kept. Returns the deleted ids. */
export async function deleteLocalMedia(admin: SynapseAdmin, beforeTs: number): Promise<string[]> {
  const answer = await admin.request<{ deleted_media: string[]; total: number }>("POST", "/_synapse/admin/v1/media/delete", {
    query: { before_ts: beforeTs, keep_profiles: true },
    body: {},
  });
  return answer.deleted_media;
}

/** Cached copies of other servers' media last used before `beforeTs`; returns how many went. */
export async function purgeRemoteMediaCache(admin: SynapseAdmin, beforeTs: number): Promise<number> {
  const answer = await admin.request<{ deleted: number }>("POST", "/_synapse/admin/v1/purge_media_cache", { query: { before_ts: beforeTs }, body: {} });
  return answer.deleted;
}
