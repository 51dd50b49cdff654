/**
 * `bun bench/startup.ts [runs]` (default 30): start-up of the compiled binary
 * against a trivial Bun-compiled binary (`console.log("0.0.0")`), every
 * contender once per round so machine noise hits all alike. Prints each
 * median (with the 25th–75th percentile spread), the ratio to the trivial
 * binary, CPU time (user + system, with the children status waits for:
 * steadier than wall time on a busy machine) and peak RSS for:
 *   - `mxhome --version`                    target ≤ 2×
 *   - `mxhome status --help`: loads status's code, runs none of it
 *   - `mxhome status`, not set up (fresh HOME)
 *   - `mxhome status`, a server that is down (init done, nothing started)
 *   - `mxhome status`, a healthy native server  target ≤ 4× for both
 * Then where the rest of `status` goes: each probe it runs, timed alone
 * in-process against both servers (they run in parallel in `status`, so the
 * slowest bounds it). PostgreSQL refuses root, so as root this re-runs itself
 * as the test user.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import { compile } from "../scripts/build.ts";
import { readConfig } from "../src/doctor/context.ts";
import { gatherDatabase } from "../src/doctor/facts/database.ts";
import { createFacts } from "../src/doctor/facts/index.ts";
import { gatherSynapse } from "../src/doctor/facts/local-http.ts";
import { gatherServices } from "../src/doctor/facts/services.ts";
import { gatherUnits } from "../src/doctor/facts/systemd.ts";
import { createDoctorIo } from "../src/doctor/io.ts";
import { countAccountsAndRooms, gatherStatus } from "../src/status/gather.ts";
import { processUsages } from "../src/status/proc.ts";
import type { Paths } from "../src/config/paths.ts";
import { initTestHome, startTestServer } from "../test/support/server.ts";
import { format, median } from "./_measure.ts";

rerunAsTestUserWhenRoot("bench-startup");
const runs = Number(process.argv[2] ?? 30);
const log = (line: string) => console.error(`[bench] ${line}`);

const dir = mkdtempSync(join(tmpdir(), "mxhome-bench-startup-"));
const mxhome = join(dir, "mxhome");
compile(mxhome);
writeFileSync(join(dir, "trivial.ts"), 'console.log("0.0.0");\n');
const trivial = join(dir, "trivial");
Bun.spawnSync([process.execPath, "build", "--compile", join(dir, "trivial.ts"), "--outfile", trivial], { stdout: "ignore", stderr: "ignore" });

log("starting a healthy native server and initialising a second one that stays down");
const healthy = await startTestServer();
const down = await initTestHome();
const freshHome = join(dir, "fresh-home");
mkdirSync(freshHome);
const homeOf = (paths: Paths) => join(paths.configDir, "..", "..");
const envWithHome = (home: string) => ({ ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined, NO_COLOR: "1" });

interface Contender {
  name: string;
  argv: string[];
  env: Record<string, string | undefined>;
  target?: number;
  times: number[];
  /** User + system CPU of the process and the children it waited for (psql, systemctl, du). */
  cpu: number[];
  rss: number[];
}
const contender = (name: string, argv: string[], env: Record<string, string | undefined>, target?: number): Contender => ({ name, argv, env, target, times: [], cpu: [], rss: [] });
const contenders = [
  contender("trivial Bun binary", [trivial], process.env),
  contender("mxhome --version", [mxhome, "--version"], process.env, 2),
  contender("mxhome status --help", [mxhome, "status", "--help"], process.env),
  contender("mxhome status (not set up)", [mxhome, "status"], envWithHome(freshHome)),
  contender("mxhome status (server down)", [mxhome, "status"], envWithHome(homeOf(down.paths)), 4),
  contender("mxhome status (healthy)", [mxhome, "status"], envWithHome(homeOf(healthy.paths)), 4),
];

function runOnce(entry: Contender): void {
  const start = performance.now();
  const result = Bun.spawnSync(entry.argv, { env: entry.env, stdout: "ignore", stderr: "pipe" });
  const elapsed = performance.now() - start;
  if (result.exitCode !== 0) throw new Error(`${entry.name} failed: ${result.stderr.toString()}`);
  entry.times.push(elapsed);
  entry.cpu.push(Number(result.resourceUsage.cpuTime.total) / 1000);
}

/**
 * Peak RSS through GNU time, outside the timed runs: Linux counts a child's
 * pages from before its exec, so a child forked by this large bench process
 * would report the bench's own size; time(1) is small.
 */
function measureRss(entry: Contender): void {
  const result = Bun.spawnSync(["/usr/bin/time", "--format=%M", ...entry.argv], { env: entry.env, stdout: "ignore", stderr: "pipe" });
  const kilobytes = Number(result.stderr.toString().trim().split("\n").pop());
  if (result.exitCode !== 0 || !Number.isFinite(kilobytes)) throw new Error(`${entry.name} failed under time(1): ${result.stderr.toString()}`);
  entry.rss.push(kilobytes * 1024);
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const mb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : "n/a");

/**
 * Each of status's probes alone, as `status` runs it (fresh facts each time so
 * nothing is cached); undefined for a probe `status` skips because its service is stopped.
 */
async function probeTimes(paths: Paths): Promise<Record<string, number | undefined>> {
  const { config } = readConfig(paths.configFile);
  if (!config) throw new Error(`no config at ${paths.configFile}`);
  const io = createDoctorIo();
  const facts = () => createFacts({ paths, config, io, mxhomeBinary: "" });
  const services = await facts().get(gatherServices);
  const running = (name: string) => services.some((service) => service.service === name && service.state === "running");
  const timed = async (work: () => unknown) => {
    const start = performance.now();
    await work();
    return performance.now() - start;
  };
  return {
    "read mxhome.toml": await timed(() => readConfig(paths.configFile)),
    "services (pid files)": await timed(() => facts().get(gatherServices)),
    "Synapse /health + /version (HTTP)": running("synapse") ? await timed(() => facts().get(gatherSynapse)) : undefined,
    "accounts and rooms (admin API)": running("synapse") ? await timed(() => countAccountsAndRooms(paths, config.network.synapse_port)) : undefined,
    "database size (psql)": running("postgres") ? await timed(() => facts().get(gatherDatabase)) : undefined,
    "timers (systemctl --user show)": await timed(() => facts().get(gatherUnits)),
    "media size (du)": await timed(() => io.run(["du", "-s", "-B1", paths.mediaStoreDir])),
    "memory of daemons (/proc/<pid>/status)": await timed(() => processUsages(services.flatMap((service) => service.pid ?? []))),
    "whole gatherStatus (in-process)": await timed(() => gatherStatus({ paths })),
  };
}

try {
  for (let i = 0; i < 3; i++) for (const entry of contenders) runOnce(entry); // warm the page cache
  for (const entry of contenders) entry.times.length = entry.cpu.length = 0;
  if (existsSync("/usr/bin/time")) for (let i = 0; i < 5; i++) for (const entry of contenders) measureRss(entry);
  else log("/usr/bin/time is not installed (Debian package `time`): no peak RSS");
  const probes: Record<"healthy" | "down", Record<string, (number | undefined)[]>> = { healthy: {}, down: {} };
  for (let round = 0; round < runs; round++) {
    for (const entry of contenders) runOnce(entry);
    for (const [state, paths] of [["healthy", healthy.paths], ["down", down.paths]] as const) {
      for (const [probe, ms] of Object.entries(await probeTimes(paths))) (probes[state][probe] ??= []).push(ms);
    }
  }

  const base = median(contenders[0]!.times);
  const baseCpu = median(contenders[0]!.cpu);
  const baseRss = median(contenders[0]!.rss);
  console.log(`runs: ${runs} rounds, contenders interleaved in each; bun ${Bun.version}; ${navigator.hardwareConcurrency} cores; load average ${loadavg().map((load) => load.toFixed(1)).join(" ")}`);
  console.log(`${"".padEnd(30)} ${"wall median".padStart(11)} ${"p25–p75".padStart(13)} ${"ratio".padStart(7)}   ${"CPU median".padStart(10)} ${"ratio".padStart(6)} ${"peak RSS".padStart(9)}`);
  for (const entry of contenders) {
    const ratio = median(entry.times) / base;
    const spread = `${percentile(entry.times, 0.25).toFixed(1)}–${percentile(entry.times, 0.75).toFixed(1)}`;
    const verdict = entry.target === undefined ? "" : `  (target ≤ ${entry.target}×: ${ratio <= entry.target ? "met" : "missed"})`;
    const cpuRatio = `${(median(entry.cpu) / baseCpu).toFixed(2)}×`;
    console.log(
      `${entry.name.padEnd(30)} ${format(median(entry.times)).padStart(11)} ${spread.padStart(13)} ${`${ratio.toFixed(2)}×`.padStart(7)}   ${format(median(entry.cpu)).padStart(10)} ${cpuRatio.padStart(6)} ${mb(median(entry.rss)).padStart(9)}${verdict}`,
    );
  }
  console.log(`peak RSS over the trivial binary: ${contenders.slice(1).map((entry) => `${entry.name.replace("mxhome ", "")} +${mb(median(entry.rss) - baseRss)}`).join(", ")}`);
  const probeMedian = (values: (number | undefined)[]) => (values.every((value) => value === undefined) ? "skipped" : median(values.map(Number)).toFixed(1));
  console.log("\nwhere status's time goes: each probe alone, in-process, median ms (status runs them in parallel, each capped at 2 s,");
  console.log("and skips those of a stopped service)");
  console.log(`${"".padEnd(40)} ${"healthy".padStart(8)} ${"down".padStart(8)}`);
  for (const probe of Object.keys(probes.healthy)) {
    console.log(`${probe.padEnd(40)} ${probeMedian(probes.healthy[probe]!).padStart(8)} ${probeMedian(probes.down[probe]!).padStart(8)}`);
  }
} finally {
  await healthy.stop();
  rmSync(dir, { recursive: true, force: true }); // two ~110 MB binaries
}
