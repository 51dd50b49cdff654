import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Config } from "../../config/schema.ts";
import { which } from "../../io/exec.ts";
import { readTextIfExists } from "../../io/fs.ts";
import { MxError } from "../../ui/errors.ts";

/**
 * Finds PostgreSQL's and Caddy's programs for the native runtime. Effectful
 * (PATH, the file system, `postgres --version`); the choice itself is pure.
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

/** `postgres --version` prints "postgres (PostgreSQL) 16.4" (Debian adds " (Debian 16.4-1)"); 9.x majors have two parts. */
export function parsePostgresMajor(versionOutput: string): string | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  return Number(match[1]) < 10 && match[2] ? `${match[1]}.${match[2]}` : match[1];
}

function postgresMajorOf(bindir: string): string | undefined {
  const debian = /\/postgresql\/(\d+(?:\.\d+)?)\/bin\/?$/.exec(bindir)?.[1];
  if (debian) return debian;
  const result = Bun.spawnSync([join(bindir, "postgres"), "--version"], { stdout: "pipe", stderr: "ignore" });
  return result.exitCode === 0 ? parsePostgresMajor(result.stdout.toString()) : undefined;
}

/** The major version a cluster was created with (its PG_VERSION file), when one exists. */
export const clusterMajor = (dataDir: string): string | undefined => readTextIfExists(join(dataDir, "PG_VERSION"))?.trim() || undefined;

export interface PostgresCandidate {
  bindir: string;
  major: string | undefined;
}

export type PostgresChoice = { bindir: string; major: string | undefined } | { problem: string; fix: string; code: string };

const installHint = "Install them (Debian: `sudo apt install postgresql`; Arch: `sudo pacman -S postgresql`) or set runtime.native.postgres_bindir in mxhome.toml.";

/**
 * Pure: which PostgreSQL programs to run. A cluster only starts with the
 * binaries of its own major version (PG_VERSION), never simply the newest.
 */
export function choosePostgres(configured: string, candidates: PostgresCandidate[], cluster: string | undefined): PostgresChoice {
  const usable = configured ? candidates.filter((candidate) => candidate.bindir === configured) : candidates;
  if (configured && !usable.length) {
    return {
      code: "native.postgres-missing",
      problem: `runtime.native.postgres_bindir = "${configured}" does not hold ${postgresPrograms.join(", ")}.`,
      fix: "Point it at the directory with initdb and pg_ctl, e.g. /usr/lib/postgresql/16/bin, or leave it empty to search.",
    };
  }
  if (!usable.length) return { code: "native.postgres-missing", problem: "PostgreSQL server programs (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql.", fix: installHint };
  if (!cluster) return usable[0]!;
  const matching = usable.find((candidate) => candidate.major === cluster);
  if (matching) return matching;
  const found = usable.map((candidate) => `PostgreSQL ${candidate.major ?? "?"} in ${candidate.bindir}`).join(", ");
  return {
    code: "native.postgres-version-mismatch",
    problem: `The database cluster was created by PostgreSQL ${cluster}, but ${configured ? "runtime.native.postgres_bindir holds" : "this machine has only"} ${found}. PostgreSQL ${cluster}'s programs are gone (a distribution upgrade?) and a newer major cannot open the cluster.`,
    fix: `Install PostgreSQL ${cluster}'s server programs again (Debian: \`sudo apt install postgresql-${cluster}\`)${configured ? "" : " or point runtime.native.postgres_bindir at them"}, then run \`mxhome up\`; \`mxhome upgrade\` then moves the data to the newest installed major (dump, new cluster, load; the old directory is kept).`,
  };
}

/** Every directory on this machine holding PostgreSQL's server programs, newest Debian major first. */
export function postgresCandidates(configured: string): PostgresCandidate[] {
  const onPath = which("initdb");
  // /usr/local/bin/initdb is often a symlink into the real bin dir, which also has pg_ctl and postgres.
  const dirs = configured ? [configured] : [...(onPath ? [dirname(onPath), dirname(realpathSync(onPath))] : []), ...debianPostgresDirs()];
  return [...new Set(dirs)].filter(holdsPostgres).map((bindir) => ({ bindir, major: postgresMajorOf(bindir) }));
}

/** The bin dir for the cluster in `dataDir` (or the newest, before one exists); throws with the fix otherwise. */
export function findPostgresBindir(config: Config, dataDir: string): string {
  const configured = config.runtime.native.postgres_bindir;
  const choice = choosePostgres(configured, postgresCandidates(configured), clusterMajor(dataDir));
  if ("bindir" in choice) return choice.bindir;
  throw new MxError(choice.problem, { code: choice.code, hint: choice.fix });
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
