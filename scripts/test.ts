/**
 * The README's test command (`npm test`): typecheck and every test, then one
 * `N passed, N failed` line (the last line of its output).
 *
 * The suites run side by side, several `bun test` processes at a time
 * (scripts/test-plan.ts says which; MXHOME_TEST_SLOTS, default 3, how many):
 * most of their time is spent waiting for Synapse, PostgreSQL and timers, not
 * computing. Each process's output goes to a file and is printed whole when it
 * ends, so the log reads suite by suite.
 *
 * PostgreSQL and mxhome refuse root, so when started as root every process
 * runs as the unprivileged test user — except the podman box suites
 * (test/podman-box/), which boot a systemd-nspawn box and so need root; they
 * run as root, beside the rest.
 *
 * `bun scripts/test.ts [paths…]` runs only those (box paths as root, the rest
 * in one process as the test user). MXHOME_TEST_DURATIONS_OUT=file writes each
 * job's seconds there, to refresh scripts/test-durations.json.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { asTestUser, requireTestUser, testUser } from "./as-test-user.ts";
import { boxDir, planJobs, staleDurations, type TestJob, typecheckLabel } from "./test-plan.ts";

const repo = resolve(import.meta.dir, "..");
const bun = process.execPath;
// The provision step pre-fetches bun's cross-compile runtimes here (read-only for the test user).
const bunCache = join(repo, ".cache", "bun-cache");
if (!process.env.BUN_INSTALL_CACHE_DIR && existsSync(bunCache)) process.env.BUN_INSTALL_CACHE_DIR = bunCache;
const isRoot = process.getuid?.() === 0;
const slots = Math.max(1, Number(process.env.MXHOME_TEST_SLOTS ?? 3));

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Every test file `bun test` would find, repo-relative (node_modules and dot directories aside). */
function allTestFiles(): string[] {
  const glob = new Bun.Glob("**/*{.test,_test,.spec,_spec}.{ts,tsx,js,jsx,mts,cts,mjs,cjs}");
  const tops = readdirSync(repo, { withFileTypes: true }).filter((entry) => entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith("."));
  return tops.flatMap((top) => [...glob.scanSync({ cwd: join(repo, top.name) })].map((file) => `${top.name}/${file}`)).sort();
}

/** The jobs of this run: a whole run's plan, or (paths given) box paths in one job and the rest in another. */
function jobsOf(args: string[]): TestJob[] {
  const durationsFile = join(import.meta.dir, "test-durations.json");
  const durations = JSON.parse(readFileSync(durationsFile, "utf8")) as Record<string, number>;
  if (args.length === 0) {
    const files = allTestFiles();
    const stale = staleDurations(files, durations);
    if (stale.length) console.error(`== ${relative(repo, durationsFile)} names what no longer exists: ${stale.join(", ")} (remove those entries)`);
    return planJobs(files, durations, { withBox: isRoot });
  }
  const isBoxPath = (arg: string) => resolve(repo, arg).startsWith(join(repo, boxDir));
  const boxArgs = args.filter(isBoxPath);
  const userArgs = args.filter((arg) => !isBoxPath(arg));
  const job = (label: string, files: string[], asRoot: boolean): TestJob => ({ label, files, weight: 0, asRoot, alone: false });
  return [
    ...(isRoot && boxArgs.length ? [job(boxDir, boxArgs, true)] : []),
    job(typecheckLabel, [], false),
    ...(userArgs.length ? [job(userArgs.join(" "), userArgs, false)] : []),
  ];
}

interface Outcome extends Counts {
  job: TestJob;
  seconds: number;
  output: string;
}

/** Runs one job to its end, its output into a file; a crash or load error counts as one failure. */
async function runJob(job: TestJob, runDir: string, index: number, home: string, portBand: string): Promise<Outcome> {
  const junit = join(runDir, `${index}.xml`);
  const logFile = join(runDir, `${index}.log`);
  const command =
    job.label === typecheckLabel
      ? [join(repo, "node_modules", ".bin", "tsc"), "--noEmit", "-p", repo]
      : // bunfig's [test] timeout is not applied by this bun; the flag is. Server starts need more than 5 s.
        [bun, "test", "--timeout=60000", "--reporter=junit", `--reporter-outfile=${junit}`, ...job.files.map((file) => resolve(repo, file))];
  // Each slot picks ports from its own band (test/support/ports.ts), so processes side by side never pick the same.
  const { argv, env } = isRoot && !job.asRoot ? asTestUser(command, home) : { argv: command, env: { ...process.env } };
  env.MXHOME_TEST_PORT_BAND = portBand;
  const log = openSync(logFile, "w");
  const started = performance.now();
  const exitCode = await Bun.spawn(argv, { cwd: repo, env, stdin: "ignore", stdout: log, stderr: log }).exited;
  closeSync(log);
  const counts = job.label === typecheckLabel ? { passed: exitCode === 0 ? 1 : 0, failed: 0, skipped: 0 } : junitCounts(junit);
  if (exitCode !== 0 && counts.failed === 0) counts.failed++;
  return { ...counts, job, seconds: (performance.now() - started) / 1000, output: readFileSync(logFile, "utf8") };
}

function junitCounts(junit: string): Counts {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  if (!existsSync(junit)) return counts;
  const xml = readFileSync(junit, "utf8");
  const suite = /<testsuites[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"(?:[^>]*\bskipped="(\d+)")?/.exec(xml);
  const tests = Number(suite?.[1] ?? 0);
  counts.failed = Number(suite?.[2] ?? 0) + Number(/<testsuites[^>]*\berrors="(\d+)"/.exec(xml)?.[1] ?? 0);
  counts.skipped = Number(suite?.[3] ?? 0);
  counts.passed = tests - counts.failed - counts.skipped;
  return counts;
}

/**
 * CI builds the podman box while the other tests run (scripts/provision-test-env.sh with
 * MXHOME_PODMAN_BOX_LOG): waits for the build log's last line, "== podman box: exit N".
 */
async function waitForBoxBuild(log: string): Promise<{ exitCode: number; output: string }> {
  const pid = Number(readFileSync(`${log}.pid`, "utf8"));
  const running = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (;;) {
    const wasRunning = running();
    const output = readFileSync(log, "utf8");
    const done = /^== podman box: exit (\d+)$/m.exec(output);
    if (done) return { exitCode: Number(done[1]), output };
    if (!wasRunning) return { exitCode: -1, output: `${output}\n(the box build, pid ${pid}, ended without its exit line)\n` };
    await Bun.sleep(2000);
  }
}

/** The box suites' job, after the box build when CI runs that beside the tests. */
async function runBoxJob(job: TestJob, runDir: string, index: number, home: string, portBand: string): Promise<Outcome> {
  const buildLog = process.env.MXHOME_PODMAN_BOX_LOG;
  if (!buildLog) return runJob(job, runDir, index, home, portBand);
  const started = performance.now();
  const build = await waitForBoxBuild(buildLog);
  rmSync(buildLog, { force: true });
  rmSync(`${buildLog}.pid`, { force: true });
  const waited = `(waited ${((performance.now() - started) / 1000).toFixed(0)} s for the box build; its log:)\n${build.output}\n`;
  if (build.exitCode !== 0) return { passed: 0, failed: 1, skipped: 0, job, seconds: (performance.now() - started) / 1000, output: `${waited}the podman box failed to build: its suites cannot run\n` };
  const outcome = await runJob(job, runDir, index, home, portBand);
  return { ...outcome, output: waited + outcome.output };
}

const format = (counts: Counts) => `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}`;

const args = process.argv.slice(2);
const results: Counts = { passed: 0, failed: 0, skipped: 0 };
const wantBox = args.length === 0 || args.some((arg) => resolve(repo, arg).startsWith(join(repo, boxDir)));
if (!isRoot && wantBox) {
  // No silent skip: these suites need root; under CI their absence fails the run.
  console.error(`== podman box suites NOT run: they need root (run \`npm test\` as root)${process.env.CI === "true" ? "; CI=true makes that a failure" : ""}`);
  if (process.env.CI === "true") results.failed++;
  else results.skipped++;
}
if (isRoot) requireTestUser();

const jobs = jobsOf(args);
const runDir = mkdtempSync(join(tmpdir(), "mxhome-test-run-"));
const home = join(runDir, "home");
mkdirSync(home);
if (isRoot) Bun.spawnSync(["chown", "-R", `${testUser}:`, runDir]);
if (isRoot && jobs.some((job) => job.asRoot)) {
  // Boxes a killed run left behind; this run's own box is removed by its watchdog, in the background.
  Bun.spawnSync([bun, join(repo, "test/support/podman-box.ts"), "clean"], { cwd: repo, stdio: ["ignore", "inherit", "inherit"] });
}
const userJobs = jobs.filter((job) => !job.asRoot && !job.alone);
const aloneJobs = jobs.filter((job) => job.alone);
console.error(
  `== ${jobs.length} jobs, ${slots} at a time${isRoot ? ` as ${testUser}` : ""}, longest first${aloneJobs.length ? `, then ${aloneJobs.length} alone` : ""}${jobs.some((job) => job.asRoot) ? "; the podman box suites as root beside them" : ""}; each job's output when it ends`,
);

const outcomes: Outcome[] = [];
let printing = Promise.resolve();
function report(outcome: Outcome): Promise<void> {
  outcomes.push(outcome);
  for (const key of ["passed", "failed", "skipped"] as const) results[key] += outcome[key];
  const header = `\n== ${outcome.job.label}${outcome.job.asRoot ? " (as root)" : ""}: ${format(outcome)} in ${outcome.seconds.toFixed(0)} s\n`;
  printing = printing.then(() => Bun.write(Bun.stderr, header + outcome.output)).then(() => undefined);
  return printing;
}

let next = 0;
const queue = [...userJobs];
const rootJobs = jobs.filter((job) => job.asRoot);
const workers = Math.max(1, Math.min(slots, userJobs.length));
const bands = workers + rootJobs.length;
async function worker(slot: number): Promise<void> {
  for (let job = queue.shift(); job; job = queue.shift()) await report(await runJob(job, runDir, next++, home, `${slot}/${bands}`));
}
await Promise.all([
  ...rootJobs.map((job, index) => runBoxJob(job, runDir, next++, home, `${workers + index}/${bands}`).then(report)),
  (async () => {
    await Promise.all(Array.from({ length: workers }, (_, slot) => worker(slot)));
    for (const job of aloneJobs) await report(await runJob(job, runDir, next++, home, `0/${bands}`));
  })(),
]);
await printing;

const bySeconds = [...outcomes].sort((a, b) => b.seconds - a.seconds);
console.error(`\n== ${outcomes.length} jobs in ${(performance.now() / 1000).toFixed(0)} s; slowest: ${bySeconds.slice(0, 10).map((o) => `${o.job.label} ${o.seconds.toFixed(0)} s`).join(", ")}`);
const durationsOut = process.env.MXHOME_TEST_DURATIONS_OUT;
if (durationsOut) writeFileSync(durationsOut, `${JSON.stringify(Object.fromEntries(bySeconds.map((o) => [o.job.label, Math.round(o.seconds)])), null, 2)}\n`);
rmSync(runDir, { recursive: true, force: true });

await Bun.write(Bun.stdout, `${format(results)}\n`);
process.exit(results.failed === 0 && results.passed > 1 ? 0 : 1);
