import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Config } from "../../config/schema.ts";
import { exec, which } from "../../io/exec.ts";
import { MxError } from "../../ui/errors.ts";

/**
 * Finds the programs the native runtime runs. Effectful (PATH, the file
 * system, a probe of Python), so it is only called when a daemon must start.
 */

const postgresPrograms = ["initdb", "pg_ctl", "postgres", "psql"];

function holdsPostgres(dir: string): boolean {
  return postgresPrograms.every((program) => existsSync(join(dir, program)));
}

/** Debian keeps server binaries in /usr/lib/postgresql/<major>/bin, off PATH. */
function debianPostgresDirs(root = "/usr/lib/postgresql"): string[] {
  let majors: string[];
  try {
    majors = readdirSync(root);
  } catch {
    return [];
  }
  return majors
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(root, major, "bin"));
}

export function findPostgresBindir(config: Config): string {
  const configured = config.runtime.native.postgres_bindir;
  if (configured) {
    if (holdsPostgres(configured)) return configured;
    throw new MxError(`runtime.native.postgres_bindir = "${configured}" does not hold ${postgresPrograms.join(", ")}.`, {
      code: "native.postgres-missing",
      hint: "Point it at the directory with initdb and pg_ctl, e.g. /usr/lib/postgresql/16/bin, or leave it empty to search.",
    });
  }
  const onPath = which("initdb");
  // /usr/local/bin/initdb is often a symlink into the real bin dir, which also has pg_ctl and postgres.
  const candidates = [...(onPath ? [dirname(onPath), dirname(realpathSync(onPath))] : []), ...debianPostgresDirs()];
  const found = candidates.find(holdsPostgres);
  if (found) return found;
  throw new MxError("PostgreSQL server programs (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql.", {
    code: "native.postgres-missing",
    hint: "Install them (Debian: `sudo apt install postgresql`) or set runtime.native.postgres_bindir in mxhome.toml.",
  });
}

async function importsSynapse(python: string): Promise<boolean> {
  const probe = await exec([python, "-c", "import synapse"], { timeoutMs: 30_000 }).catch(() => undefined);
  return probe?.exitCode === 0;
}

/** `runtime.native.python`, else the first python3 on PATH that can `import synapse`. */
export async function findSynapsePython(config: Config, path = process.env.PATH ?? ""): Promise<string> {
  const configured = config.runtime.native.python;
  if (configured) {
    if (await importsSynapse(configured)) return configured;
    throw new MxError(`runtime.native.python = "${configured}" cannot \`import synapse\`.`, {
      code: "native.synapse-missing",
      hint: `Install Synapse into it (\`${configured} -m pip install "matrix-synapse[postgres]"\`) or point the setting at a venv's python.`,
    });
  }
  for (const dir of path.split(":").filter(Boolean)) {
    const candidate = join(dir, "python3");
    if (existsSync(candidate) && (await importsSynapse(candidate))) return candidate;
  }
  throw new MxError("No python3 on PATH can `import synapse`.", {
    code: "native.synapse-missing",
    hint: 'Create a venv with Synapse (`python3 -m venv ~/synapse && ~/synapse/bin/pip install "matrix-synapse[postgres]"`), then set runtime.native.python to its absolute path, e.g. "/home/you/synapse/bin/python".',
  });
}

export function findCaddy(config: Config): string {
  const configured = config.runtime.native.caddy;
  const found = configured.includes("/") ? (existsSync(configured) ? configured : undefined) : which(configured);
  if (found) return found;
  throw new MxError(`Caddy ("${configured}") was not found.`, {
    code: "native.caddy-missing",
    hint: "Install it (Debian: `sudo apt install caddy`) or set runtime.native.caddy to its full path.",
  });
}
