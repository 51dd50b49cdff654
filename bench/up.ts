/**
 * `bun bench/up.ts [fresh-runs] [noop-runs]`: with the compiled binary and the
 * native runtime, the median wall time of a fresh `init && up` to a healthy
 * server (target ≤ 10 s; Synapse's first boot alone is ~2.4 s) and of a
 * no-op `up` (target ≤ 1 s). PostgreSQL refuses root, so as root this
 * re-runs itself as the test user.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../scripts/build.ts";
import { resolvePaths } from "../src/config/paths.ts";
import { components } from "../test/support/components.ts";
import { freePort } from "../test/support/ports.ts";
import { renderTestOverrides } from "../test/support/server-setup.ts";
import { format, median, timeRun } from "./_measure.ts";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";

rerunAsTestUserWhenRoot("bench-up");

const freshRuns = Number(process.argv[2] ?? 3);
const noopRuns = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), "mxhome-bench-up-"));
const mxhome = join(dir, "mxhome");
compile(mxhome);

/**
 * An empty HOME with only the test overrides (no matrix.org). Synapse is the
 * provisioned venv (runtime.native.python, set right after init): the figure
 * is mxhome's own work, not the one-time install of its managed Synapse.
 */
async function freshHome(): Promise<{ home: string; env: Record<string, string | undefined>; initArgs: string[] }> {
  const home = mkdtempSync(join(dir, "home-"));
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined };
  const paths = resolvePaths({ HOME: home });
  mkdirSync(paths.configDir, { recursive: true });
  writeFileSync(paths.synapseOverridesFile, renderTestOverrides());
  const ports = [await freePort(), await freePort(), await freePort()];
  const initArgs = ["init", "--yes", "--server-name", "bench.test", "--runtime", "native"];
  initArgs.push("--synapse-port", `${ports[0]}`, "--caddy-port", `${ports[1]}`, "--postgres-port", `${ports[2]}`);
  return { home, env, initArgs };
}

const freshTimes: number[] = [];
const noopTimes: number[] = [];
for (let run = 0; run < freshRuns; run++) {
  const { home, env, initArgs } = await freshHome();
  const init = timeRun([mxhome, ...initArgs], env);
  const configFile = resolvePaths({ HOME: home }).configFile;
  writeFileSync(configFile, readFileSync(configFile, "utf8").replace(/^python = ""$/m, `python = ${JSON.stringify(components.synapsePython)}`));
  freshTimes.push(init + timeRun([mxhome, "up"], env));
  if (run === 0) for (let i = 0; i < noopRuns; i++) noopTimes.push(timeRun([mxhome, "up"], env));
  timeRun([mxhome, "down"], env);
  rmSync(home, { recursive: true, force: true });
}
rmSync(dir, { recursive: true, force: true });

const line = (label: string, times: number[], target: string) =>
  `${label} median ${format(median(times))}  min ${format(Math.min(...times))}  max ${format(Math.max(...times))}  (${target})`;
console.log(`runs: ${freshRuns} fresh, ${noopRuns} no-op`);
console.log(line("mxhome init && up (fresh, native, to healthy)", freshTimes, "target ≤ 10 s"));
console.log(line("mxhome up (no-op)", noopTimes, "target ≤ 1 s"));
