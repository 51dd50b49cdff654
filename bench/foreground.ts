/**
 * `bun bench/foreground.ts [runs] [-- load.ts flags]`: does the homeserver
 * leave the person at the PC alone? A fixed CPU-bound job (SHA-256 over 1 MiB,
 * 3000 times, in a child process) is timed `runs` times (default 5):
 *   - alone;
 *   - beside bench/load.ts, whose daemons run as mxhome's native runtime runs
 *     them (nice 10, best-effort IO priority 7);
 *   - beside it without that: the job itself runs where the daemons do, at
 *     nice 10 in a session of its own at nice 15 (its kernel autogroup; see
 *     src/runtime/native/priority.ts). The scheduler weighs only differences
 *     in niceness, so this is the share the job would get against daemons at
 *     nice 0, which an unprivileged user cannot set back.
 * Prints medians and the slowdowns; goal ≤ 15 % with the priorities. The
 * job is CPU-bound, so IO priority plays no part in this figure. The load's
 * own clients, which on a real PC are other people's devices, run at nice 19
 * (`--generator-nice`), and so does the other homeserver of the pair, which
 * stands for someone else's machine; they take little from the job in either case.
 * Load defaults: 150 members, 150 clients, 50 senders, 180 s, mxhome only.
 */
import { join } from "node:path";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import { backgroundNice, backgroundSessionNice } from "../src/runtime/native/priority.ts";
import { median } from "./_measure.ts";

rerunAsTestUserWhenRoot("bench-foreground");

const separator = process.argv.indexOf("--");
const positional = process.argv.slice(2, separator >= 0 ? separator : undefined);
const runs = Number(positional[0] ?? 5);
const loadFlags =
  separator >= 0 ? process.argv.slice(separator + 1) : ["--members", "150", "--clients", "150", "--senders", "50", "--duration", "180", "--only", "mxhome"];
// The load's clients stand for other people's devices: at nice 19 they barely compete with the job.
loadFlags.push("--generator-nice", "19");
const log = (line: string) => console.error(`[foreground] ${line}`);

// The job times its own work, so start-up (and the wait below for an autogroup change) is not counted.
const work = "const d = new Uint8Array(1 << 20); const t = performance.now(); for (let i = 0; i < 3000; i++) new Bun.CryptoHasher('sha256').update(d).digest(); console.log(performance.now() - t);";
// Where the kernel shares the CPU between sessions first (autogroup), a daemon's niceness is its session's:
// to stand where un-niced daemons would, the job needs a session of its own at the daemons' niceness.
const asDaemonsPeer = `for (;;) { try { require("fs").writeFileSync("/proc/self/autogroup", "${backgroundSessionNice}"); break; } catch (e) { if (e.code !== "EAGAIN") break; Bun.sleepSync(110); } }`;

/** The job's own time in ms: as the person at the PC (this session, nice 0), or as the daemons' equal. */
function timeJob(asDaemonsEqual: boolean): number {
  const argv = asDaemonsEqual
    ? ["setsid", "--wait", "nice", "-n", String(backgroundNice), process.execPath, "-e", `${asDaemonsPeer}\n${work}`]
    : [process.execPath, "-e", work];
  const result = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`the foreground job failed: ${result.stderr.toString()}`);
  return Number(result.stdout.toString().trim());
}

/** Starts bench/load.ts and resolves once its clients are syncing (it logs "… syncing"). */
async function startLoad(): Promise<{ finished: Promise<number>; output: Promise<string> }> {
  const load = Bun.spawn([process.execPath, join(import.meta.dir, "load.ts"), ...loadFlags], { stdout: "pipe", stderr: "pipe" });
  const reader = load.stderr.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (!seen.includes("syncing")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`bench/load.ts ended before its load began:\n${seen}`);
    seen += decoder.decode(value);
  }
  // Keep draining stderr so the child never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return { finished: load.exited, output: new Response(load.stdout).text() };
}

const alone = Array.from({ length: runs }, () => timeJob(false));
log(`alone: ${(median(alone) / 1000).toFixed(2)} s (median of ${runs})`);
const load = await startLoad();
log("load running; timing the job beside it");
const withPriorities: number[] = [];
const withoutPriorities: number[] = [];
// Interleaved, so both see the same phase of the load.
for (let run = 0; run < runs; run++) {
  withPriorities.push(timeJob(false));
  withoutPriorities.push(timeJob(true));
}
log("waiting for the load to finish by itself");
const exitCode = await load.finished;
const slowdown = (values: number[]) => `${((median(values) / median(alone) - 1) * 100).toFixed(0)} %`;
console.log(`Foreground job (fixed CPU work), median of ${runs}; load: ${loadFlags.join(" ")}`);
console.log(`| | job time | slowdown |`);
console.log(`|---|---|---|`);
console.log(`| alone | ${(median(alone) / 1000).toFixed(2)} s | – |`);
console.log(`| beside the load, mxhome's priorities (nice ${backgroundNice}, sessions ${backgroundSessionNice}, IO best-effort 7) | ${(median(withPriorities) / 1000).toFixed(2)} s | ${slowdown(withPriorities)} (goal ≤ 15 %) |`);
console.log(`| beside the load, without them | ${(median(withoutPriorities) / 1000).toFixed(2)} s | ${slowdown(withoutPriorities)} |`);
if (exitCode !== 0) console.log(`bench/load.ts exited ${exitCode}: its run had errors`);
