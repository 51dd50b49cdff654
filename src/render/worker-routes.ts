/**
 * Which requests Caddy sends to the generic workers: upstream's routing table
 * for `synapse.app.generic_worker` (element-hq/synapse docs/workers.md,
 * "Available worker applications"), the groups any worker can serve without
 * a stream of its own. Everything else goes to the main process.
 *
 * Left out on purpose:
 * - `^/_synapse/admin/v1/rooms/[^/]+$`: the admin API is never public, so no
 *   route may lead to it (Caddy answers /_synapse/admin* with 404 first);
 * - event sending, registration/login, the GET-only groups and pagination
 *   (`/messages`, which must stick to one worker per room): they stay on the
 *   main process, which writes every stream anyway (no stream writers).
 */
export const workerRouteGroups: Record<string, readonly string[]> = {
  sync: [
    "^/_matrix/client/(r0|v3)/sync$",
    "^/_matrix/client/(api/v1|r0|v3)/events$",
    "^/_matrix/client/(api/v1|r0|v3)/initialSync$",
    "^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$",
  ],
  federation: [
    "^/_matrix/federation/v1/version$",
    "^/_matrix/federation/v1/event/",
    "^/_matrix/federation/v1/state/",
    "^/_matrix/federation/v1/state_ids/",
    "^/_matrix/federation/v1/backfill/",
    "^/_matrix/federation/v1/get_missing_events/",
    "^/_matrix/federation/v1/publicRooms",
    "^/_matrix/federation/v1/query/",
    "^/_matrix/federation/v1/make_join/",
    "^/_matrix/federation/v1/make_leave/",
    "^/_matrix/federation/(v1|v2)/send_join/",
    "^/_matrix/federation/(v1|v2)/send_leave/",
    "^/_matrix/federation/v1/make_knock/",
    "^/_matrix/federation/v1/send_knock/",
    "^/_matrix/federation/(v1|v2)/invite/",
    "^/_matrix/federation/v1/event_auth/",
    "^/_matrix/federation/v1/timestamp_to_event/",
    "^/_matrix/federation/v1/exchange_third_party_invite/",
    "^/_matrix/federation/v1/user/devices/",
    "^/_matrix/key/v2/query",
    "^/_matrix/federation/v1/hierarchy/",
    // Inbound federation transactions.
    "^/_matrix/federation/v1/send/",
  ],
  clientReads: [
    "^/_matrix/client/(api/v1|r0|v3|unstable)/publicRooms$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/joined_members$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/context/.*$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/members$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/state$",
    "^/_matrix/client/v1/rooms/.*/hierarchy$",
    "^/_matrix/client/(v1|unstable)/rooms/.*/relations/",
    "^/_matrix/client/v1/rooms/.*/threads$",
    "^/_matrix/client/(r0|v3|unstable)/account/whoami$",
    "^/_matrix/client/versions$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/event/",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/joined_rooms$",
    "^/_matrix/client/v1/rooms/.*/timestamp_to_event$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/search$",
    "^/_matrix/client/(r0|v3|unstable)/capabilities$",
    "^/_matrix/client/(r0|v3|unstable)/notifications$",
  ],
  encryption: [
    "^/_matrix/client/(r0|v3|unstable)/keys/query$",
    "^/_matrix/client/(r0|v3|unstable)/keys/changes$",
    "^/_matrix/client/(r0|v3|unstable)/keys/claim$",
  ],
  userDirectory: ["^/_matrix/client/(r0|v3|unstable)/user_directory/search$"],
};

export const workerRoutes: readonly string[] = Object.values(workerRouteGroups).flat();

/** Pure: the table as one RE2 expression for Caddy's path_regexp (each alternative keeps its own `$`, if any). */
export function workerRouteRegexp(routes: readonly string[] = workerRoutes): string {
  return `^(?:${routes.map((route) => route.replace(/^\^/, "")).join("|")})`;
}
