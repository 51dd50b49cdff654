import { type SqlRows, sqlLiteral } from "../runtime/sql.ts";

/**
 * Read-only SQL behind `--dry-run` estimates and the real run's measurements.
 * Each query mirrors what Synapse 1.163 itself does, so an estimate is what
 * the real run removes:
 * - purge_history (rest/admin/__init__.py, storage/databases/main/purge_events.py):
 *   the cut-off time becomes a stream position by a binary search over
 *   `events.received_ts` (event_push_actions.py), the room's last event at or
 *   before it becomes the token, and every non-state event with a lower
 *   topological ordering is deleted — unless the room's forward extremities
 *   are older than the token, when Synapse refuses.
 * - media/delete (storage/databases/main/media_repository.py get_local_media_ids):
 *   last access (or upload, if never accessed) before the cut-off, not empty,
 *   not quarantined or protected, not in use as an avatar (keep_profiles).
 * - purge_media_cache (get_remote_media_ids): last access before the cut-off, not quarantined.
 */

const list = (values: string[]) => values.map(sqlLiteral).join(", ");
const integer = (value: number) => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
};
const number = (cell: string | undefined) => (cell === undefined || cell === "" ? 0 : Number(cell));

export const databaseSizeQuery = "SELECT pg_database_size(current_database())";

/** One number from a one-row, one-column answer. */
export const parseScalar = (rows: SqlRows): number => number(rows[0]?.[0]);

/**
 * The highest stream position and the number of events, in one snapshot:
 * history removed is measured as events at or below that position that disappear.
 */
export const eventSnapshotQuery = "SELECT coalesce(max(stream_ordering), 0), count(*) FROM events";
export const eventsUpToQuery = (maxStream: number) => `SELECT count(*) FROM events WHERE stream_ordering <= ${integer(maxStream)}`;

/** Per room, how many events `purge_history` with `purge_up_to_ts = beforeTs` deletes (rooms with none are left out). */
export function historyEstimateQuery(beforeTs: number): string {
  return `
WITH RECURSIVE search(low, high) AS (
  SELECT 0::bigint, (SELECT coalesce(max(stream_ordering) + 1, 0) FROM events)::bigint
  UNION ALL
  SELECT CASE WHEN probe.ts IS NULL OR ${integer(beforeTs)} > probe.ts THEN middle + 1 ELSE low END,
         CASE WHEN probe.ts IS NULL OR ${integer(beforeTs)} > probe.ts THEN high ELSE middle END
  FROM search
  CROSS JOIN LATERAL (SELECT (low + high) / 2 AS middle) AS m
  LEFT JOIN LATERAL (SELECT received_ts AS ts FROM events WHERE stream_ordering <= m.middle ORDER BY stream_ordering DESC LIMIT 1) AS probe ON true
  WHERE low < high
),
cut AS (SELECT high AS position FROM search WHERE low >= high),
tokens AS (
  SELECT r.room_id, t.topological_ordering AS token
  FROM rooms AS r CROSS JOIN cut
  JOIN LATERAL (
    SELECT e.topological_ordering FROM events AS e
    WHERE e.room_id = r.room_id AND e.stream_ordering <= cut.position AND NOT e.outlier
      AND NOT EXISTS (SELECT 1 FROM rejections AS j WHERE j.event_id = e.event_id)
    ORDER BY e.stream_ordering DESC LIMIT 1
  ) AS t ON true
),
extremities AS (
  SELECT f.room_id, max(e.depth) AS depth
  FROM event_forward_extremities AS f JOIN events AS e ON e.event_id = f.event_id AND e.room_id = f.room_id
  GROUP BY f.room_id
)
SELECT t.room_id, count(*)
FROM tokens AS t
LEFT JOIN extremities AS x ON x.room_id = t.room_id
JOIN events AS e ON e.room_id = t.room_id AND e.topological_ordering < t.token
WHERE (x.depth IS NULL OR x.depth >= t.token)
  AND NOT EXISTS (SELECT 1 FROM state_events AS s WHERE s.event_id = e.event_id)
GROUP BY t.room_id`;
}

/** room id → a count, from `SELECT room_id, count(*) …` rows. */
export function parseCounts(rows: SqlRows): Map<string, number> {
  return new Map(rows.map(([roomId, count]) => [roomId!, number(count)]));
}

/** Every event stored for these rooms: what deleting them with `purge` removes. */
export function roomEventCountsQuery(roomIds: string[]): string {
  if (!roomIds.length) return "SELECT NULL, 0 WHERE false";
  return `SELECT room_id, count(*) FROM events WHERE room_id IN (${list(roomIds)}) GROUP BY room_id`;
}

/**
 * The last name each room had. Once nobody local is left, the room list no
 * longer shows it, but whoever confirms a deletion should recognise the room.
 */
export function roomNamesQuery(roomIds: string[]): string {
  if (!roomIds.length) return "SELECT NULL, NULL WHERE false";
  return `
SELECT DISTINCT ON (s.room_id) s.room_id, translate(coalesce((j.json::jsonb)->'content'->>'name', ''), E'\t\n\r', '   ')
FROM state_events AS s JOIN events AS e USING (event_id) JOIN event_json AS j USING (event_id)
WHERE s.room_id IN (${list(roomIds)}) AND s.type = 'm.room.name' AND s.state_key = ''
ORDER BY s.room_id, e.stream_ordering DESC`;
}

/**
 * Rooms where a local user is joined, invited or knocking right now. The room
 * list's member counts come from statistics Synapse updates in the background;
 * this is the authoritative table, and a pending invite keeps a room alive.
 */
export function localMembershipQuery(roomIds: string[]): string {
  if (!roomIds.length) return "SELECT NULL WHERE false";
  return `SELECT DISTINCT room_id FROM local_current_membership WHERE room_id IN (${list(roomIds)}) AND membership IN ('join', 'invite', 'knock')`;
}

export interface MediaItem {
  id: string;
  bytes: number;
}

/** Local media `media/delete?before_ts=…&keep_profiles=true` deletes. */
export function localMediaQuery(beforeTs: number, serverName: string): string {
  const mxc = `${sqlLiteral(`mxc://${serverName}/`)} || lmr.media_id`;
  const ts = integer(beforeTs);
  return `
SELECT lmr.media_id, lmr.media_length FROM local_media_repository AS lmr
WHERE (lmr.last_access_ts < ${ts} OR (lmr.created_ts < ${ts} AND lmr.last_access_ts IS NULL))
  AND lmr.media_length > 0
  AND NOT EXISTS (SELECT 1 FROM profiles WHERE profiles.avatar_url = ${mxc})
  AND NOT EXISTS (SELECT 1 FROM room_memberships WHERE room_memberships.avatar_url = ${mxc})
  AND NOT EXISTS (SELECT 1 FROM user_directory WHERE user_directory.avatar_url = ${mxc})
  AND NOT EXISTS (SELECT 1 FROM room_stats_state WHERE room_stats_state.avatar = ${mxc})
  AND lmr.quarantined_by IS NULL
  AND NOT lmr.safe_from_quarantine`;
}

/** Cached remote media `purge_media_cache?before_ts=…` deletes; ids are origin/media_id. */
export function remoteMediaQuery(beforeTs: number): string {
  return `SELECT media_origin || '/' || media_id, coalesce(media_length, 0) FROM remote_media_cache WHERE last_access_ts < ${integer(beforeTs)} AND quarantined_by IS NULL`;
}

export function parseMedia(rows: SqlRows): MediaItem[] {
  return rows.map(([id, bytes]) => ({ id: id!, bytes: number(bytes) }));
}
