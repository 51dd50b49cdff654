import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const watchdogModule = resolve(import.meta.dir, "..", "..", "support", "watchdog.ts");

/** Live processes working in `root` (as pgrep would find them, plus the working directory). */
function processesInside(root: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        return `${readlinkSync(`/proc/${pid}/cwd`)}/`.startsWith(`${root}/`) || readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`${root}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Gone, or a zombie waiting for init: either way it runs no more. */
function stopped(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

// A stand-in for a test process with a server: a watchdog its runner's timeout must not take down, detached
// processes like mxhome's daemons, then killed mid-run.
const harness = `
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { startWatchdog } from ${JSON.stringify(watchdogModule)};
const root = process.argv[2];
startWatchdog(root, { graceSeconds: 1 });
// As bun test does when a hook times out ("killed N dangling processes"): every child still running is killed.
await Bun.sleep(300);
for (const entry of readdirSync("/proc").filter((name) => Number(name) > 0)) {
  try {
    const stat = readFileSync("/proc/" + entry + "/stat", "utf8");
    const parent = stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[1]; // "pid (name) state ppid …"
    if (parent === String(process.pid)) process.kill(Number(entry), "SIGKILL");
  } catch {}
}
const detached = (argv, cwd) => {
  const child = spawn(argv[0], argv.slice(1), { cwd, detached: true, stdio: "ignore" });
  child.unref();
  return child.pid;
};
const pids = [
  detached(["sleep", "300"], root + "/data"), // a daemon in its data directory
  detached(["tail", "-f", root + "/data/log"], "/"), // named on its command line only
  detached(["sh", "-c", "trap '' INT; while :; do sleep 0.2; done"], root), // deaf to SIGINT
];
console.log(JSON.stringify(pids));
setInterval(() => {}, 1000);
`;

test("a killed test process leaves nothing running in its server's directory, and the directory goes", async () => {
  const root = mkdtempSync(join(tmpdir(), "mxhome-watchdog-"));
  mkdirSync(join(root, "data"));
  writeFileSync(join(root, "data", "log"), "");
  const script = join(mkdtempSync(join(tmpdir(), "mxhome-harness-")), "harness.ts");
  writeFileSync(script, harness);
  const child = Bun.spawn([process.execPath, script, root], { stdout: "pipe", stderr: "inherit" });
  try {
    const { value } = await child.stdout.getReader().read();
    const pids = JSON.parse(new TextDecoder().decode(value)) as number[];
    expect(pids).toHaveLength(3);
    expect(pids.every((pid) => !stopped(pid))).toBe(true);
    expect(processesInside(root)).toEqual(expect.arrayContaining(pids));

    child.kill("SIGKILL"); // as a run killed mid-way: no exit handlers, no afterAll
    await child.exited;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (existsSync(root) || !pids.every(stopped))) await Bun.sleep(100);
    expect(pids.filter((pid) => !stopped(pid))).toEqual([]);
    expect(processesInside(root)).toEqual([]);
    expect(existsSync(root)).toBe(false);
  } finally {
    child.kill("SIGKILL"); // a failed expectation above must not leave the stand-in running: its watchdog then cleans up
    rmSync(dirname(script), { recursive: true, force: true });
  }
}, 30_000);
