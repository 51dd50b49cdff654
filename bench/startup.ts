/**
 * `bun bench/startup.ts [runs]`: median `mxhome --version` against a trivial
 * Bun-compiled binary, interleaved in one run so machine noise hits both alike.
 * Target: ≤ 25 ms. Also shows which packages `--version` loads (no matrix-js-sdk).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../scripts/build.ts";
import { format, median, timeRun } from "./_measure.ts";

const runs = Number(process.argv[2] ?? 40);
const dir = mkdtempSync(join(tmpdir(), "mxhome-bench-startup-"));
const mxhome = join(dir, "mxhome");
compile(mxhome);
const trivialSource = join(dir, "trivial.ts");
writeFileSync(trivialSource, 'console.log("0.0.0");\n');
const trivial = join(dir, "trivial");
Bun.spawnSync([process.execPath, "build", "--compile", trivialSource, "--outfile", trivial], { stdout: "ignore", stderr: "ignore" });

const mxhomeTimes: number[] = [];
const trivialTimes: number[] = [];
for (let i = 0; i < 3; i++) timeRun([mxhome, "--version"]); // warm the page cache
for (let i = 0; i < runs; i++) {
  mxhomeTimes.push(timeRun([mxhome, "--version"]));
  trivialTimes.push(timeRun([trivial]));
}
const loaded = Bun.spawnSync([process.execPath, join(import.meta.dir, "..", "test", "support", "loaded-modules.ts"), "--version"]);
const packages = loaded.stderr.toString().trim().split("\n").pop();

console.log(`runs: ${runs} each, interleaved`);
console.log(`mxhome --version   median ${format(median(mxhomeTimes))}  (target ≤ 25 ms)`);
console.log(`trivial bun binary median ${format(median(trivialTimes))}`);
console.log(`overhead ratio     ${(median(mxhomeTimes) / median(trivialTimes)).toFixed(2)}×`);
console.log(`packages loaded by --version: ${packages}`);
