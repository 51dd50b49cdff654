import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { exec } from "../io/exec.ts";
import { readTextIfExists, writeFileAtomic } from "../io/fs.ts";
import { applyManagedWrites } from "../io/managed-files.ts";
import { images } from "../render/images.ts";
import { quadletUnits } from "../render/quadlet.ts";
import { runDatabaseTool } from "../runtime/database-tool.ts";
import { systemctlUser } from "../runtime/host/systemd-user.ts";
import { clusterMajor, postgresCandidates } from "../runtime/native/binaries.ts";
import { nativeDumpArgv, nativeRestoreArgv } from "../runtime/native/database.ts";
import {
  clientEnvironment,
  describePostgresCluster,
  ensureSynapseDatabase,
  initPostgresCluster,
  runSql,
  startPostgres,
  stopPostgres,
  synapseDatabaseName,
} from "../runtime/native/postgres.ts";
import { podmanSynapseDatabase } from "../runtime/podman/database.ts";
import { runtimeFor } from "../runtime/select.ts";
import { parsePsqlRows, type SqlRows, synapseSql } from "../runtime/sql.ts";
import { desiredFor } from "../runtime/up.ts";
import { MxError } from "../ui/errors.ts";
import type { PostgresMajorAction } from "./postgres-major.ts";

/**
 * The effects of a PostgreSQL major upgrade that differ between runtimes:
 * natively two installed majors' programs on a data directory of our own;
 * with podman two images on a bind-mounted directory whose files belong to
 * the container's postgres user (a subordinate uid: `podman unshare` removes them).
 */
export interface PostgresClusterAdapter {
  /** Before anything stops: what the new cluster needs is at hand (podman: the new image). */
  prepare(): Promise<void>;
  /** SQL against Synapse's database of whichever cluster runs now. */
  query(sql: string): Promise<SqlRows>;
  /** A custom-format dump of Synapse's database from the running old cluster. */
  dump(file: string): Promise<void>;
  /** Stops the PostgreSQL that runs on the data directory now (old or new). */
  stop(): Promise<void>;
  /** Creates the new major's cluster in the (empty) data directory and starts it; Synapse's database is there, empty, UTF-8 and C. */
  startNew(): Promise<void>;
  /** Loads the dump into Synapse's (re-created) database in one transaction, stopping on the first error. */
  load(file: string): Promise<void>;
  /** Starts the old major again on the data directory moved back. */
  startOld(): Promise<void>;
}

/** The bin dir of an installed PostgreSQL major (the configured one, or any found). */
export function nativeBindirOf(config: Config, major: string): string | undefined {
  const configured = config.runtime.native.postgres_bindir;
  const candidates = [...postgresCandidates(configured), ...(configured ? postgresCandidates("") : [])];
  return candidates.find((candidate) => candidate.major === major)?.bindir;
}

function nativeAdapter(paths: Paths, config: Config, action: PostgresMajorAction): PostgresClusterAdapter {
  const bindir = (major: string) => {
    const found = nativeBindirOf(config, major);
    if (found) return found;
    throw new MxError(`PostgreSQL ${major}'s programs were not found.`, {
      code: "upgrade.postgres-programs-missing",
      hint: `Install them (Debian/Ubuntu: \`sudo apt install postgresql-${major}\`).`,
    });
  };
  // Whichever cluster is in the data directory now: its own major's programs.
  const current = () => describePostgresCluster(paths, config, bindir(clusterMajor(paths.postgresDir) ?? action.from));
  const target = () => describePostgresCluster(paths, config, bindir(action.to));
  return {
    prepare: async () => void target(),
    query: async (sql) => parsePsqlRows(await runSql(current(), sql)),
    async dump(file) {
      // The newer major's pg_dump reads the older server (PostgreSQL's advice for major upgrades).
      const old = current();
      await runDatabaseTool(nativeDumpArgv({ bindir: target().bindir, port: old.port }), "pg_dump", { env: clientEnvironment(old), stdoutFile: file });
    },
    async stop() {
      await stopPostgres(current());
    },
    async startNew() {
      const cluster = target();
      await initPostgresCluster(cluster);
      await startPostgres(cluster);
      await ensureSynapseDatabase(cluster);
    },
    async load(file) {
      const cluster = target();
      await runSql(cluster, `DROP DATABASE IF EXISTS ${synapseDatabaseName} WITH (FORCE)`, "postgres");
      await ensureSynapseDatabase(cluster);
      await runDatabaseTool(nativeRestoreArgv(cluster, file), "pg_restore", { env: clientEnvironment(cluster) });
    },
    async startOld() {
      await startPostgres(describePostgresCluster(paths, config, bindir(action.from)));
    },
  };
}

async function podmanOrFail(argv: string[], what: string): Promise<void> {
  const result = await exec(argv, { timeoutMs: 900_000 }).catch((error: Error) => ({ exitCode: 127, stdout: "", stderr: error.message }));
  if (result.exitCode === 0) return;
  throw new MxError(`${what} failed (\`${argv.join(" ")}\`, exit ${result.exitCode}): ${result.stderr.trim().split("\n").slice(-3).join("\n")}`, {
    code: "upgrade.podman-failed",
    hint: "`podman` must work as your user: `mxhome doctor` checks it.",
  });
}

function podmanAdapter(paths: Paths, config: Config, mxhomeBinary: string): PostgresClusterAdapter {
  const unitFile = join(paths.quadletDir, quadletUnits.postgres.file);
  // The old cluster's unit and the manifest as they were: going back puts both back, so `up` sees no hand edit.
  const saved = { unit: readTextIfExists(unitFile), manifest: readTextIfExists(paths.renderedManifestFile) };
  const startPostgresUnit = async () => {
    const runtime = runtimeFor(paths, config);
    await systemctlUser(["daemon-reload"]);
    await runtime.apply({ kind: "start", service: "postgres", reason: "PostgreSQL major upgrade" }, desiredFor(paths, config, runtime, mxhomeBinary));
  };
  const database = podmanSynapseDatabase(config);
  return {
    async prepare() {
      const present = await exec(["podman", "image", "exists", images.postgres]).catch(() => ({ exitCode: 1 }));
      if (present.exitCode !== 0) await podmanOrFail(["podman", "pull", "--quiet", images.postgres], `Pulling ${images.postgres}`);
    },
    query: (sql) => synapseSql(paths, config)(sql),
    dump: (file) => database.dump(file),
    stop: () => systemctlUser(["stop", quadletUnits.postgres.service]),
    async startNew() {
      // Only PostgreSQL's unit moves to the new image here; the rest of the deployment is `up`'s.
      const runtime = runtimeFor(paths, config);
      const writes = desiredFor(paths, config, runtime, mxhomeBinary).writes.filter((write) => write.file.path === unitFile);
      applyManagedWrites(writes, paths.renderedManifestFile, { force: false });
      // The image's entrypoint initialises the empty directory: POSTGRES_INITDB_ARGS give UTF-8 and C, POSTGRES_DB Synapse's database.
      await startPostgresUnit();
    },
    async load(file) {
      await database.recreate();
      await database.restore(file);
    },
    async startOld() {
      if (saved.unit !== undefined) writeFileAtomic(unitFile, saved.unit, 0o644);
      if (saved.manifest !== undefined) writeFileAtomic(paths.renderedManifestFile, saved.manifest, 0o600);
      await startPostgresUnit();
    },
  };
}

/** Removes a data directory mxhome moved aside. With podman its files belong to the container's postgres user, a subordinate uid of yours: only inside your user namespace can you remove them. */
export async function removeDataDir(config: Config, dir: string): Promise<void> {
  if (config.runtime.kind === "podman") await podmanOrFail(["podman", "unshare", "rm", "-rf", "--", dir], `Removing ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

export function postgresClusterAdapter(paths: Paths, config: Config, action: PostgresMajorAction, mxhomeBinary: string): PostgresClusterAdapter {
  return config.runtime.kind === "podman" ? podmanAdapter(paths, config, mxhomeBinary) : nativeAdapter(paths, config, action);
}
