/**
 * bench/load.ts `--mode workers`: the same load on the home server as one
 * Synapse process ("monolith") and with [scale] workers ("workers"), side by
 * side in one run, both through Caddy (which routes /sync and client reads to
 * the workers), on the same seeded database. `--cpus 0` or `--cpus 0,1` pins
 * the home server's processes (Synapse, workers, Redis, PostgreSQL) to those
 * cores with taskset, to show how each mode scales with cores.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Paths } from "../src/config/paths.ts";
import { runningPid } from "../src/runtime/native/process.ts";
import { scaleDaemon, scaleProcessesOnDisk } from "../src/runtime/native/scale.ts";
import type { TestServer } from "../test/support/server.ts";
import type { MemorySample } from "./load-measure.ts";

export type LoadMode = "defaults" | "workers";
export const workerContenders = ["monolith", "workers"] as const;

/** Pids of the running [scale] processes (workers and Redis); none in the monolith. */
export function scalePids(paths: Paths): number[] {
  return scaleProcessesOnDisk(paths).flatMap((name) => runningPid(scaleDaemon(paths, name)) ?? []);
}

export const addMemory = (samples: MemorySample[]): MemorySample => ({
  rssMb: samples.reduce((sum, sample) => sum + sample.rssMb, 0),
  pssMb: samples.reduce((sum, sample) => sum + sample.pssMb, 0),
});

/** taskset every thread of each process (children forked later, PostgreSQL's backends, inherit it). */
export function pinToCpus(pids: number[], cpus: string): void {
  for (const pid of pids) {
    const result = Bun.spawnSync(["taskset", "-a", "-p", "-c", cpus, String(pid)], { stdout: "ignore", stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`taskset -c ${cpus} ${pid} failed: ${result.stderr.toString().trim()}`);
  }
}

/**
 * Puts the home server in this contender's shape: mxhome.toml's [scale]
 * workers, then `down` and `up`, so each contender starts with cold caches
 * (PostgreSQL's too) and `up` converges on or off as a user's would.
 */
export async function prepareWorkersContender(home: TestServer, name: (typeof workerContenders)[number], workers: string): Promise<void> {
  const text = readFileSync(home.paths.configFile, "utf8").replace(/^workers = .*$/m, `workers = ${name === "workers" ? workers : '"off"'}`);
  writeFileSync(home.paths.configFile, text);
  await home.down();
  await home.up();
}
