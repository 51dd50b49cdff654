/**
 * `bun bench/backup.ts [runs] [rooms] [events-per-room] [media]` (defaults 3,
 * 200, 200, 2000): on the purge benchmark's seeded native server
 * (bench/purge-server.ts and purge-seed.ts, in its own directory:
 * MXHOME_BENCH_DIR, default /var/tmp/mxhome-bench-backup-<uid>; seeding
 * happens once, ~10 minutes), with the compiled binary, medians of:
 *   - `mxhome backup`: database only, with media, with media encrypted —
 *     wall time, archive size, peak RSS
 *   - side by side, what a hand-made backup of the same files costs:
 *     `pg_dump -Fc`, then GNU `tar -cf` of the dump, config, secrets and media
 *   - `mxhome restore` of the encrypted archive into a fresh HOME on other
 *     ports, through `up` to a running server — and, side by side,
 *     `pg_restore` alone into a scratch database
 * PostgreSQL refuses root, so as root this re-runs itself as the test user.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../scripts/build.ts";
import { formatBytes } from "../src/doctor/format-units.ts";
import { clientEnvironment, describePostgresCluster } from "../src/runtime/native/postgres.ts";
import { nativeDumpArgv, nativeRestoreArgv } from "../src/runtime/native/database.ts";
import { components } from "../test/support/components.ts";
import { freePort } from "../test/support/ports.ts";
import { median } from "./_measure.ts";
import { ensureSnapshot } from "./purge-seed.ts";
import { openBenchServer } from "./purge-server.ts";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";

rerunAsTestUserWhenRoot("bench-backup");

const argument = (index: number, fallback: number) => Number(process.argv[2 + index] ?? fallback);
const [runs, rooms, eventsPerRoom, media] = [argument(0, 3), argument(1, 200), argument(2, 200), argument(3, 2000)];
const log = (line: string) => console.error(`[bench] ${line}`);

interface Measure {
  ms: number;
  bytes?: number;
  rssMb?: number;
}

/** Runs a program, measuring wall time and peak RSS; throws with its output when it fails. */
async function measure(argv: string[], env: Record<string, string | undefined> = process.env, stdoutFile?: string): Promise<Measure & { stdout: string }> {
  const start = performance.now();
  const child = Bun.spawn(argv, { env, stdout: stdoutFile ? Bun.file(stdoutFile) : "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    child.stdout instanceof ReadableStream ? new Response(child.stdout).text() : "",
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const ms = performance.now() - start;
  if (exitCode !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} failed (${exitCode}):\n${stderr}${stdout}`);
  return { ms, rssMb: (child.resourceUsage()?.maxRSS ?? 0) / 1024 / 1024, stdout };
}

async function main(): Promise<void> {
  const root = process.env.MXHOME_BENCH_DIR ?? `/var/tmp/mxhome-bench-backup-${process.getuid?.()}`;
  const server = await openBenchServer(root);
  const work = mkdtempSync(join(tmpdir(), "mxhome-bench-backup-"));
  try {
    await ensureSnapshot(server, { rooms, eventsPerRoom, media }, log);
    const databaseBytes = Number(await server.sql("SELECT pg_database_size('synapse')"));
    const events = Number(await server.sql("SELECT count(*) FROM events"));
    const binary = join(work, "mxhome");
    compile(binary);
    const passphraseFile = join(work, "passphrase");
    writeFileSync(passphraseFile, "bench passphrase, not secret\n", { mode: 0o600 });
    const homeEnv = { ...process.env, HOME: server.home, NO_COLOR: "1" };
    const out = join(work, "archives");

    const variants: Record<string, string[]> = {
      "database only": [],
      "with media": ["--include-media"],
      "with media, encrypted": ["--include-media", "--encrypt", "--passphrase-file", passphraseFile],
    };
    const results: Record<string, Measure[]> = { ...Object.fromEntries(Object.keys(variants).map((name) => [name, []])), "by hand: pg_dump + tar": [] };
    const restores: Record<string, Measure[]> = { "mxhome restore (encrypted, with media, through up)": [], "pg_restore alone": [] };
    const cluster = describePostgresCluster(server.paths, server.config, components.postgresBindir);
    let archive = "";
    for (let run = 0; run < runs; run++) {
      for (const [name, flags] of Object.entries(variants)) {
        rmSync(out, { recursive: true, force: true });
        const result = await measure([binary, "backup", "--to", out, "--json", ...flags], homeEnv);
        const report = JSON.parse(result.stdout) as { archive: string; bytes: number };
        results[name]!.push({ ms: result.ms, bytes: report.bytes, rssMb: result.rssMb });
        if (name.endsWith("encrypted")) {
          archive = join(work, "bench.tar.enc"); // kept for the restore below
          renameSync(report.archive, archive);
        }
        log(`run ${run + 1}/${runs} backup ${name}: ${(result.ms / 1000).toFixed(2)} s, ${formatBytes(report.bytes)}`);
      }
      // By hand: the same content, with the tools a careful admin would use.
      const dump = join(work, "hand.pgdump");
      const start = performance.now();
      await measure(nativeDumpArgv(cluster), clientEnvironment(cluster), dump);
      const dirs = [server.paths.configDir, server.paths.secretsDir, server.paths.credentialsDir, server.paths.mediaStoreDir];
      await measure(["tar", "-cf", join(work, "hand.tar"), dump, ...dirs]);
      results["by hand: pg_dump + tar"]!.push({ ms: performance.now() - start, bytes: statSync(join(work, "hand.tar")).size });

      const home = join(work, `restore-${run}`);
      mkdirSync(home);
      const ports = ["--synapse-port", `${await freePort()}`, "--caddy-port", `${await freePort()}`, "--postgres-port", `${await freePort()}`];
      const restoreEnv = { ...process.env, HOME: home, NO_COLOR: "1" };
      const restored = await measure([binary, "restore", archive, "--passphrase-file", passphraseFile, "--json", ...ports], restoreEnv);
      restores["mxhome restore (encrypted, with media, through up)"]!.push({ ms: restored.ms, rssMb: restored.rssMb });
      log(`run ${run + 1}/${runs} restore: ${(restored.ms / 1000).toFixed(2)} s`);
      await measure([binary, "down"], restoreEnv);
      rmSync(home, { recursive: true, force: true });

      await server.sql("DROP DATABASE IF EXISTS bench_restore", "postgres");
      await server.sql("CREATE DATABASE bench_restore TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", "postgres");
      const alone = await measure(nativeRestoreArgv(cluster, dump, "bench_restore"), clientEnvironment(cluster));
      restores["pg_restore alone"]!.push({ ms: alone.ms });
      await server.sql("DROP DATABASE bench_restore", "postgres");
    }

    const line = (name: string, measures: Measure[], baseline?: number) => {
      const ms = median(measures.map((m) => m.ms));
      const size = measures[0]?.bytes === undefined ? "" : `  ${formatBytes(median(measures.map((m) => m.bytes!))).padStart(8)}`;
      const rss = measures[0]?.rssMb === undefined ? "" : `  peak RSS ${median(measures.map((m) => m.rssMb!)).toFixed(0)} MB`;
      const ratio = baseline === undefined ? "" : `  (${(ms / baseline).toFixed(2)}× the by-hand time)`;
      return `  ${name.padEnd(52)} ${(ms / 1000).toFixed(2).padStart(7)} s${size}${rss}${ratio}`;
    };
    const byHand = median(results["by hand: pg_dump + tar"]!.map((m) => m.ms));
    console.log(`backup benchmark: ${rooms} rooms × ${eventsPerRoom} events, ${media} media (${events} events, database ${formatBytes(databaseBytes)}); ${runs} runs, medians`);
    console.log("backup:");
    for (const [name, measures] of Object.entries(results)) console.log(line(name, measures, name.startsWith("by hand") ? undefined : byHand));
    console.log("restore:");
    for (const [name, measures] of Object.entries(restores)) console.log(line(name, measures));
  } finally {
    rmSync(work, { recursive: true, force: true });
    await server.stop();
  }
}

await main();
