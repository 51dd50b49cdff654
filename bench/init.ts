/**
 * `bun bench/init.ts [runs]`: median wall time of a full non-interactive
 * `mxhome init` into an empty HOME (compiled binary). Target: ≤ 300 ms.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../scripts/build.ts";
import { format, median, timeRun } from "./_measure.ts";

const runs = Number(process.argv[2] ?? 20);
const dir = mkdtempSync(join(tmpdir(), "mxhome-bench-init-"));
const mxhome = join(dir, "mxhome");
compile(mxhome);
const allowRoot = process.getuid?.() === 0 ? ["--allow-root"] : [];

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const home = mkdtempSync(join(dir, "home-"));
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined, PATH: "/usr/bin:/bin" };
  times.push(timeRun([mxhome, "init", "--yes", "--server-name", "pc.tail1234.ts.net", ...allowRoot], env));
}
console.log(`runs: ${runs}`);
console.log(`mxhome init (fresh HOME) median ${format(median(times))}  min ${format(Math.min(...times))}  max ${format(Math.max(...times))}  (target ≤ 300 ms)`);
