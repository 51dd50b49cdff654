/**
 * `bun bench/load.ts [--members 600] [--clients 150] [--senders 50] [--duration 300] [--settle 20]
 *   [--only mxhome|defaults] [--generator-nice 0] [--seed-dir DIR | --fresh] [--json]
 *   [--mode defaults|workers] [--workers auto|N] [--cpus 0|0,1]`
 *
 * `--mode workers` (bench/load-modes.ts) compares "monolith" with "workers"
 * ([scale] workers = --workers) instead of mxhome with Synapse's defaults,
 * both through Caddy; `--cpus` pins the home server to those cores.
 *
 * A bounded load on the two-homeserver fixture (test/support/federation.ts;
 * loopback only, stops by itself): a Space of `members` in 5 rooms, a third of
 * them on the remote server; `clients` of them long-poll /sync and `senders`
 * of those send a message every 10–30 s with typing and read receipts.
 *
 * Side by side in one run, on the same seeded database, PostgreSQL and
 * versions, the home server runs:
 *   - mxhome: the homeserver.yaml mxhome renders;
 *   - defaults: the same with every setting mxhome adds put back to Synapse's
 *     default (what a homeserver.yaml with only the required keys gives).
 * PostgreSQL is the same for both: mxhome leaves postgresql.conf as initdb
 * writes it (the sample Debian's default is made from), adding only loopback.
 * Both carry the test servers' relaxed rate limits and TLS federation listener.
 *
 * `--generator-nice N` runs the clients, and the remote homeserver, at nice N:
 * both stand for other people's machines (bench/foreground.ts uses 19).
 *
 * Measured on the home server: Synapse and PostgreSQL RSS/PSS at idle, peak
 * and end; CPU seconds; send → first appearance in another client's /sync,
 * on each server; errors; database growth. Prints a table for the README.
 * Smoke size: `--members 20 --clients 10 --senders 5 --duration 30`.
 *
 * The pair and its seeded population are kept in `--seed-dir` (default
 * /var/tmp/mxhome-bench-load-<uid>) and reused by the next run of the same
 * size (bench/load-fixture.ts); `--fresh` seeds a throwaway pair instead.
 * One run at a time per directory.
 * PostgreSQL refuses root, so as root this re-runs itself as the test user.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { setPriority } from "node:os";
import { parseArgs } from "node:util";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import type { Config } from "../src/config/schema.ts";
import { niceDaemonSession } from "../src/runtime/native/priority.ts";
import { runningPid, tailLog } from "../src/runtime/native/process.ts";
import { serviceOrder } from "../src/runtime/runtime.ts";
import { nativeDaemon, nativeLogFile, startNativeService, stopNativeService } from "../src/runtime/native/services.ts";
import { setQuiet } from "../src/ui/logger.ts";
import type { Federation } from "../test/support/federation.ts";
import { freePortRange } from "../test/support/ports.ts";
import { cpuSecondsOf, type MemorySample, memoryOf, percentile } from "./load-measure.ts";
import { openLoadFixture } from "./load-fixture.ts";
import type { Population } from "./load-population.ts";
import { runTraffic, type TrafficResult } from "./load-traffic.ts";
import { addMemory, type LoadMode, pinToCpus, prepareWorkersContender, scalePids, workerContenders } from "./load-modes.ts";

rerunAsTestUserWhenRoot("bench-load");

const { values: flags } = parseArgs({
  options: {
    members: { type: "string", default: "600" },
    clients: { type: "string", default: "150" },
    senders: { type: "string", default: "50" },
    duration: { type: "string", default: "300" },
    settle: { type: "string", default: "20" },
    only: { type: "string" },
    "generator-nice": { type: "string", default: "0" },
    "seed-dir": { type: "string", default: `/var/tmp/mxhome-bench-load-${process.getuid?.()}` },
    fresh: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    mode: { type: "string", default: "defaults" },
    workers: { type: "string", default: "auto" },
    cpus: { type: "string" },
  },
});
const mode = flags.mode as LoadMode;
if (mode !== "defaults" && mode !== "workers") throw new Error(`--mode ${flags.mode}: use defaults or workers`);
const size = {
  members: Number(flags.members),
  clients: Math.min(Number(flags.clients), Number(flags.members)),
  senders: Math.min(Number(flags.senders), Number(flags.clients), Number(flags.members)),
  durationS: Number(flags.duration),
  settleS: Number(flags.settle),
};
const rooms = 5;
const generatorNice = Number(flags["generator-nice"]);
if (generatorNice !== 0 && !flags.only) {
  console.error("bench/load.ts: --generator-nice needs --only: the second contender's Synapse would start at the clients' niceness");
  process.exit(2);
}
const log = (line: string) => console.error(`[load] ${line}`);

const defaultsMarker = '# bench/load.ts "defaults"';

/**
 * Every setting mxhome's homeserver.yaml adds, put back to Synapse's default
 * (synapse/config/*.py): an overrides file's top-level key replaces mxhome's.
 */
function synapseDefaultsOverrides(federation: Federation): string {
  const { config } = federation.home;
  return `
${defaultsMarker}: Synapse's own default for every key mxhome sets
database:
  name: psycopg2
  args: {user: synapse, dbname: synapse, host: 127.0.0.1, port: ${config.network.postgres_port}}
presence: {enabled: true}
retention: {enabled: false}
media_retention: {}
caches: {global_factor: 0.5}
limit_remote_rooms: {enabled: false}
require_auth_for_profile_requests: false
limit_profile_requests_to_users_who_share_rooms: false
max_upload_size: 50M
`;
}

interface StackSample {
  synapse: MemorySample;
  postgres: MemorySample;
}

interface ContenderResult {
  name: string;
  idle: StackSample;
  peak: StackSample;
  end: StackSample;
  cpuSeconds: { synapse: number; postgres: number };
  databaseGrowthMb: number;
  traffic: TrafficResult;
}

async function measureContender(name: string, federation: Federation, population: Population): Promise<ContenderResult> {
  const { home, remote } = federation;
  const pids = () => ({
    synapse: runningPid(nativeDaemon(home.paths, "synapse"))!,
    postgres: runningPid(nativeDaemon(home.paths, "postgres"))!,
  });
  // With workers, "Synapse" is every Synapse process plus Redis.
  const sample = (): StackSample => {
    const { synapse, postgres } = pids();
    return { synapse: addMemory([synapse, ...scalePids(home.paths)].map(memoryOf)), postgres: memoryOf(postgres) };
  };
  const synapseCpu = (synapse: number) => [synapse, ...scalePids(home.paths)].reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  const databaseMb = async () => Number(await home.sql("SELECT pg_database_size('synapse')")) / 1024 / 1024;

  log(`${name}: settling ${size.settleS} s`);
  await Bun.sleep(size.settleS * 1000);
  const idle = sample();
  const databaseBefore = await databaseMb();
  let peak = idle;
  const stackPss = (s: StackSample) => s.synapse.pssMb + s.postgres.pssMb;
  const sampler = setInterval(() => {
    const now = sample();
    if (stackPss(now) > stackPss(peak)) peak = now;
  }, 2_000);
  let cpuStart = { synapse: 0, postgres: 0 };
  log(`${name}: ${size.clients} clients syncing, ${size.senders} sending for ${size.durationS} s`);
  const traffic = await runTraffic(
    population.members,
    {
      clients: size.clients,
      senders: size.senders,
      durationMs: size.durationS * 1000,
      intervalMs: [10_000, 30_000],
      drainMs: 10_000,
      // Workers are reached through Caddy's routes; the monolith of --mode workers too, so both pay the same hop.
      baseUrl: { home: mode === "workers" ? home.publicUrl : home.synapseUrl, remote: remote.synapseUrl },
    },
    () => {
      const { synapse, postgres } = pids();
      cpuStart = { synapse: synapseCpu(synapse), postgres: cpuSecondsOf(postgres) };
    },
  );
  clearInterval(sampler);
  const { synapse, postgres } = pids();
  const cpuSeconds = { synapse: synapseCpu(synapse) - cpuStart.synapse, postgres: cpuSecondsOf(postgres) - cpuStart.postgres };
  const end = sample();
  if (stackPss(end) > stackPss(peak)) peak = end;
  return { name, idle, peak, end, cpuSeconds, databaseGrowthMb: (await databaseMb()) - databaseBefore, traffic };
}

/** Restarts the home Synapse with extra overrides appended (none: mxhome's own file back). */
async function restartHomeSynapse(federation: Federation, original: string, extra: string): Promise<void> {
  const { home } = federation;
  writeFileSync(home.paths.synapseOverridesFile, original + extra);
  await stopNativeService(home.paths, "synapse");
  try {
    await startNativeService(home.paths, home.config, "synapse");
  } catch (error) {
    console.error(tailLog(nativeLogFile(home.paths, "synapse"), 40));
    throw error;
  }
}

const mb = (value: number) => `${value.toFixed(0)} MB`;
const ms = (values: number[], p: number) => (values.length ? `${(percentile(values, p) / 1000).toFixed(2)} s` : "–");
const stack = (s: StackSample) => `${mb(s.synapse.pssMb + s.postgres.pssMb)} (Synapse ${mb(s.synapse.pssMb)}, PostgreSQL ${mb(s.postgres.pssMb)})`;
const errorCount = (r: ContenderResult) => Object.values(r.traffic.errors).reduce((a, b) => a + b, 0) + r.traffic.missing.home + r.traffic.missing.remote;

function printTable(results: ContenderResult[]): void {
  const cpuShare = (r: ContenderResult) =>
    `${(((r.cpuSeconds.synapse + r.cpuSeconds.postgres) / size.durationS) * 100).toFixed(0)} % of one core (Synapse ${r.cpuSeconds.synapse.toFixed(0)} s, PostgreSQL ${r.cpuSeconds.postgres.toFixed(0)} s CPU)`;
  const rows: [string, string, (r: ContenderResult) => string][] = [
    ["Members / online / chatting", "200–600 / 50–150 / 10–50", () => `${size.members} (⅓ remote) / ${size.clients} / ${size.senders}`],
    ["RAM at idle (PSS)", "0.6–1.2 GB", (r) => stack(r.idle)],
    ["RAM under load, peak (PSS)", "1–2 GB", (r) => stack(r.peak)],
    ["RAM at the end (PSS)", "–", (r) => stack(r.end)],
    ["RSS at the peak (shared pages counted per process)", "–", (r) => mb(r.peak.synapse.rssMb + r.peak.postgres.rssMb)],
    ["CPU under load", "10–40 %", cpuShare],
    ["Send → other client's /sync, home p50 / p95 / p99", "–", (r) => [50, 95, 99].map((p) => ms(r.traffic.latencyMs.home, p)).join(" / ")],
    ["Send → other client's /sync, remote p50 / p95 / p99", "–", (r) => [50, 95, 99].map((p) => ms(r.traffic.latencyMs.remote, p)).join(" / ")],
    ["Send request round trip p50 / p95", "–", (r) => [50, 95].map((p) => ms(r.traffic.sendMs, p)).join(" / ")],
    ["Messages sent / errors", "–", (r) => `${r.traffic.sent} / ${errorCount(r)}`],
    ["Database growth", "–", (r) => `${r.databaseGrowthMb.toFixed(1)} MB`],
  ];
  console.log(`\nLoad: ${size.members} members in ${rooms} rooms, ${size.clients} clients on /sync, ${size.senders} senders every 10–30 s for ${size.durationS} s; 2-core machine.\n`);
  const heading = (name: string) => ({ mxhome: "mxhome (measured)", defaults: "Synapse defaults (measured)", monolith: "one process (measured)" })[name] ?? `${name}: ${flags.workers} (measured)`;
  if (mode === "workers") console.log(`Home server through Caddy${flags.cpus ? `, pinned to CPUs ${flags.cpus}` : ""}; "Synapse" memory and CPU include every worker and Redis.\n`);
  console.log(`| | the guide says | ${results.map((r) => heading(r.name)).join(" | ")} |`);
  console.log(`|---|---|${results.map(() => "---").join("|")}|`);
  for (const [label, guide, cell] of rows) console.log(`| ${label} | ${guide} | ${results.map(cell).join(" | ")} |`);
  for (const r of results) {
    const detail = { ...r.traffic.errors, ...(r.traffic.missing.home ? { "never seen at home": r.traffic.missing.home } : {}), ...(r.traffic.missing.remote ? { "never seen on the remote": r.traffic.missing.remote } : {}) };
    if (Object.keys(detail).length) console.log(`\n${r.name} errors: ${JSON.stringify(detail)}`);
  }
}

/** Linux keeps niceness per thread: Bun's HTTP client has its own, so each of this process's threads gets it. */
function niceEveryThread(nice: number): void {
  for (const thread of readdirSync("/proc/self/task")) setPriority(Number(thread), nice);
}

async function main(): Promise<void> {
  setQuiet(true);
  log(`starting the two homeservers`);
  // --mode workers: the home server renders its workers' ports (and replication listener) from the start; each contender turns them on or off.
  const firstPort = mode === "workers" ? await freePortRange(9) : 0;
  const home = mode === "workers" ? { configure: (config: Config) => Object.assign(config.scale, { workers: 1, first_port: firstPort }) } : {};
  const { federation, population } = await openLoadFixture({ members: size.members, rooms, mode }, flags.fresh ? undefined : flags["seed-dir"], log, { home });
  // The remote homeserver stands for someone else's machine, like the clients: it gets their niceness (its daemons'
  // sessions, which is what the kernel's autogroups weigh), so that what is measured on this PC is mxhome's own share.
  if (generatorNice > 0) for (const service of serviceOrder) niceDaemonSession(runningPid(nativeDaemon(federation.remote.paths, service))!, generatorNice);
  // A kept pair's file may still end in the defaults of a run that was killed: cut them off.
  const original = readFileSync(federation.home.paths.synapseOverridesFile, "utf8").split(defaultsMarker)[0]!;
  let failed = false;
  try {
    const contenders = (mode === "workers" ? [...workerContenders] : ["mxhome", "defaults"]).filter((name) => !flags.only || name === flags.only);
    const results: ContenderResult[] = [];
    for (const name of contenders) {
      // Each contender starts from a freshly started Synapse, so neither inherits the other's (or the seeding's) caches.
      if (mode === "workers") await prepareWorkersContender(federation.home, name as (typeof workerContenders)[number], flags.workers);
      else await restartHomeSynapse(federation, original, name === "defaults" ? synapseDefaultsOverrides(federation) : "");
      if (flags.cpus) pinToCpus([runningPid(nativeDaemon(federation.home.paths, "synapse"))!, runningPid(nativeDaemon(federation.home.paths, "postgres"))!, ...scalePids(federation.home.paths)], flags.cpus);
      // Only now, with every daemon started at its own priority: a daemon spawned later would inherit
      // the clients' niceness on top of its own (nice is relative, and an unprivileged process can't
      // lower it again). bench/foreground.ts sets 19: the clients stand for other people's devices.
      niceEveryThread(generatorNice);
      results.push(await measureContender(name, federation, population));
      failed ||= errorCount(results.at(-1)!) > 0;
    }
    if (flags.json) console.log(JSON.stringify({ size, results }, null, 2));
    else printTable(results);
  } finally {
    writeFileSync(federation.home.paths.synapseOverridesFile, original);
    await federation.stop();
  }
  // Zero errors is part of the result: a run with errors exits 1 (the CI smoke test relies on it).
  process.exit(failed ? 1 : 0);
}

await main();
