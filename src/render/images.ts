import { pinnedSynapseVersion } from "../runtime/native/synapse-lock.ts";

/** A build option (scripts/build.ts --postgres-image), compiled in; absent in released builds and from source. */
declare const MXHOME_POSTGRES_IMAGE: string | undefined;

/**
 * The container images mxhome runs, in one place.
 *
 * Pinned by tag, fully qualified (quadlet warns about short names, and a short
 * name would depend on the user's registries.conf). A tag can in principle be
 * re-pushed upstream; bumping one here is a deliberate, reviewed change.
 *
 * Synapse's tag is the version src/runtime/native/synapse.lock pins, the one
 * Synapse pin shared with the native runtime's venv and the test environment.
 */
/** Synapse's official image of a version ("1.163.2" → ghcr.io/element-hq/synapse:v1.163.2). */
export const synapseImage = (version: string) => `ghcr.io/element-hq/synapse:v${version}`;

export const images = {
  /** Synapse ≥ 1.143 needs PostgreSQL ≥ 14. */
  postgres: typeof MXHOME_POSTGRES_IMAGE === "string" ? MXHOME_POSTGRES_IMAGE : "docker.io/library/postgres:17.6-alpine",
  /** The pin; a deployment runs the version it recorded until `mxhome upgrade` moves it (src/runtime/podman/synapse-image.ts). */
  synapse: synapseImage(pinnedSynapseVersion),
  caddy: "docker.io/library/caddy:2.10.2-alpine",
  /** [scale] workers only: replication between Synapse's processes, under podman (src/render/quadlet.ts). */
  redis: "docker.io/library/redis:8.2.1-alpine",
} as const;
