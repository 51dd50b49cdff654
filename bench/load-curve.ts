/**
 * `bun bench/load-curve.ts [--members 600] [--clients 150] [--duration 120] [--settle 10]
 *   [--workers auto] [--cpus 0|0,1] [--step 5] [--from-monolith N] [--from-workers N] [--max 100] [--p95 1000]
 *   [--generator-nice 19]`
 *
 * The capacity curve of each mode: for "monolith" and for "workers", the
 * largest number of senders (with `clients` online) at which the home
 * server's send → /sync p95 stays within `--p95` ms with no errors. Each
 * point is one bench/load.ts `--mode workers --only <mode> --json` run (on
 * the same seeded pair each time); senders start at `--from-<mode>` (default
 * `--step`) and go up by `--step` until a point fails, or down until one
 * holds. Run it once per `--cpus` value to show how each mode scales with
 * cores. Slow by nature: minutes per point at full size.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { percentile } from "./load-measure.ts";
import { workerContenders } from "./load-modes.ts";

const { values: flags } = parseArgs({
  options: {
    members: { type: "string", default: "600" },
    clients: { type: "string", default: "150" },
    duration: { type: "string", default: "120" },
    settle: { type: "string", default: "10" },
    workers: { type: "string", default: "auto" },
    cpus: { type: "string" },
    step: { type: "string", default: "5" },
    "from-monolith": { type: "string" },
    "from-workers": { type: "string" },
    "generator-nice": { type: "string" },
    max: { type: "string", default: "100" },
    p95: { type: "string", default: "1000" },
  },
});

interface Point {
  senders: number;
  p95Ms: number;
  errors: number;
  ok: boolean;
}

interface LoadJson {
  results: { traffic: { latencyMs: { home: number[] }; errors: Record<string, number>; missing: { home: number; remote: number } } }[];
}

async function measurePoint(mode: string, senders: number): Promise<Point> {
  const argv = [process.execPath, join(import.meta.dir, "load.ts"), "--mode", "workers", "--only", mode, "--json", "--workers", flags.workers!];
  for (const key of ["members", "clients", "duration", "settle", "cpus", "generator-nice"] as const) if (flags[key]) argv.push(`--${key}`, flags[key]!);
  argv.push("--senders", String(senders));
  const child = Bun.spawn(argv, { stdout: "pipe", stderr: "inherit" });
  const [stdout] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  const start = stdout.indexOf("{");
  const result = start >= 0 ? (JSON.parse(stdout.slice(start)) as LoadJson).results[0] : undefined;
  if (!result) return { senders, p95Ms: Number.NaN, errors: Number.NaN, ok: false };
  const { traffic } = result;
  const errors = Object.values(traffic.errors).reduce((a, b) => a + b, 0) + traffic.missing.home + traffic.missing.remote;
  const p95Ms = percentile(traffic.latencyMs.home, 95);
  return { senders, p95Ms, errors, ok: errors === 0 && p95Ms <= Number(flags.p95) };
}

const step = Number(flags.step);
console.log(`Capacity: ${flags.clients} clients online, ${flags.members} members; p95 ≤ ${flags.p95} ms, no errors${flags.cpus ? `; CPUs ${flags.cpus}` : ""}.\n`);
console.log("| mode | senders | home p95 | errors | within the goal |\n|---|---|---|---|---|");
const knees: Record<string, number> = {};
async function measureAndPrint(mode: string, senders: number): Promise<boolean> {
  const point = await measurePoint(mode, senders);
  console.log(`| ${mode} | ${senders} | ${(point.p95Ms / 1000).toFixed(2)} s | ${point.errors} | ${point.ok ? "yes" : "no"} |`);
  return point.ok;
}

// From --from, up by --step while within the goal; if --from already misses it, down by --step until a point holds.
for (const mode of workerContenders) {
  knees[mode] = 0;
  const from = Number(flags[`from-${mode}`] ?? step);
  if (await measureAndPrint(mode, from)) {
    knees[mode] = from;
    for (let senders = from + step; senders <= Number(flags.max); senders += step) {
      if (!(await measureAndPrint(mode, senders))) break;
      knees[mode] = senders;
    }
  } else {
    for (let senders = from - step; senders > 0; senders -= step) {
      if (await measureAndPrint(mode, senders)) {
        knees[mode] = senders;
        break;
      }
    }
  }
}
console.log(`\nKnee (most senders within the goal): ${workerContenders.map((mode) => `${mode} ${knees[mode]}`).join(", ")}${knees.monolith ? `; workers/monolith = ${(knees.workers! / knees.monolith).toFixed(2)}` : ""}`);
