/**
 * The container images mxhome runs, in one place.
 *
 * Pinned by tag, fully qualified (quadlet warns about short names, and a short
 * name would depend on the user's registries.conf). A tag can in principle be
 * re-pushed upstream; bumping one here is a deliberate, reviewed change.
 */
export const images = {
  /** Synapse ≥ 1.143 needs PostgreSQL ≥ 14. */
  postgres: "docker.io/library/postgres:17.6-alpine",
  synapse: "ghcr.io/element-hq/synapse:v1.163.2",
  caddy: "docker.io/library/caddy:2.10.2-alpine",
} as const;
