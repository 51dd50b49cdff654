/**
 * Where the real components live, as installed by scripts/provision-test-env.sh.
 * Tests use these; nothing here is a mock.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dir, "..", "..");
const cache = join(repoRoot, ".cache");

function firstExisting(candidates: (string | undefined)[], what: string): string {
  const found = candidates.find((candidate) => candidate && existsSync(candidate));
  if (!found) throw new Error(`${what} not found (tried ${candidates.filter(Boolean).join(", ")}); run scripts/provision-test-env.sh`);
  return found;
}

export const components = {
  /** A python that can `import synapse` (pinned, from PyPI). */
  get synapsePython(): string {
    return firstExisting([process.env.MXHOME_TEST_SYNAPSE_PYTHON, join(cache, "synapse-venv", "bin", "python")], "Synapse venv");
  },
  /** Every wheel of src/runtime/native/synapse.lock for this python: managed installs in tests come from here, never PyPI. */
  get synapseWheels(): string {
    return firstExisting([process.env.MXHOME_TEST_SYNAPSE_WHEELS, join(cache, "synapse-wheels")], "Synapse wheelhouse");
  },
  /** Every wheel of test/fixtures/synapse/older.lock: an older Synapse for upgrade tests. */
  get synapseWheelsOlder(): string {
    return firstExisting([join(cache, "synapse-wheels-older")], "older Synapse wheelhouse");
  },
  /** The quadlet generator from a newer Debian podman package. */
  get quadlet(): string {
    return firstExisting([process.env.MXHOME_TEST_QUADLET, join(cache, "quadlet", "quadlet")], "quadlet");
  },
  get postgresBindir(): string {
    return firstExisting(["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"], "PostgreSQL");
  },
  get caddy(): string {
    return firstExisting([Bun.which("caddy") ?? undefined, "/usr/bin/caddy"], "caddy");
  },
};
