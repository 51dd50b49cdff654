/**
 * The podman box: a Debian trixie root file system (built by
 * scripts/provision-podman-box.sh) booted under systemd-nspawn, so systemd is
 * PID 1 with a lingering user manager, and rootless podman runs mxhome's
 * Quadlet units for real. Needs root (nspawn, nsenter): the test runner's
 * root phase uses it before it drops to the test user.
 *
 * One boot serves every suite in the process (`sharedBox()`); each boot
 * unpacks a fresh writable copy of the cached archive and removes it, its
 * processes and mounts at the end, also when a test fails or the process is
 * interrupted. See /work/shared/notes/podman-end-to-end.md for every wall
 * this works around.
 *
 * `bun test/support/podman-box.ts bake DIR` boots an unpacked box in place
 * once, to build each box user's stand-in images (provisioning only).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");
/**
 * The box's unprivileged users, created by provisioning with linger enabled:
 * mx (1001) and mx2 (1002) for the runtime suite; mxsyn (1005) for the
 * Synapse upgrade suite (issue #19), which alone has the older Synapse image.
 */
export const boxUsers = { mx: 1001, mx2: 1002, mxsyn: 1005 } as const;
export type BoxUser = keyof typeof boxUsers;
/** Where boots keep their writable copies and pid files, so the runner can clean up after a crash. */
export const boxRunRoot = "/var/tmp/mxhome-box-runs";

export interface BoxResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface BoxRunOptions {
  /** Written to the command's stdin. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  cwd?: string;
}

/** The newest cached box archive, or undefined when provisioning has not built one. */
export function cachedBoxArchive(cacheDir = join(repo, ".cache", "podman-box")): string | undefined {
  if (!existsSync(cacheDir)) return undefined;
  const archives = readdirSync(cacheDir)
    .map((key) => join(cacheDir, key, "box.tar"))
    .filter((file) => existsSync(file));
  return archives[0];
}

function sh(argv: string[], timeoutMs = 300_000): BoxResult {
  const result = Bun.spawnSync(argv, { stdin: "ignore", timeout: timeoutMs });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

function mustSh(argv: string[], timeoutMs?: number): string {
  const result = sh(argv, timeoutMs);
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  return result.stdout;
}

function mustSucceed(result: BoxResult, argv: string[], user: BoxUser): string {
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} as ${user} failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await sleep(100);
}

/** The host pid of nspawn's child that became the box's PID 1 (systemd). */
function boxInitPid(nspawnPid: number): number | undefined {
  try {
    for (const task of readdirSync(`/proc/${nspawnPid}/task`)) {
      const children = readFileSync(`/proc/${nspawnPid}/task/${task}/children`, "utf8").trim();
      for (const child of children.split(/\s+/).filter(Boolean)) {
        const comm = readFileSync(`/proc/${child}/comm`, "utf8").trim();
        if (comm === "systemd") return Number(child);
      }
    }
  } catch {
    // nspawn gone or still starting
  }
  return undefined;
}

export class PodmanBox {
  private nspawn?: ReturnType<typeof Bun.spawn>;
  private initPid?: number;
  private console = "";

  private constructor(
    /** The box's root file system on the host. */
    readonly dir: string,
    readonly name: string,
    /** Remove `dir` on stop (a copy unpacked for this run). */
    private readonly owned: boolean,
  ) {}

  /** Unpacks a fresh copy of `archive` and boots it. */
  static async fromArchive(archive: string): Promise<PodmanBox> {
    mkdirSync(boxRunRoot, { recursive: true, mode: 0o700 });
    const name = `mxhome-box-${process.pid}`;
    const dir = join(boxRunRoot, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(boxRunRoot, `${name}.pid`), "");
    const box = new PodmanBox(dir, name, true);
    box.registerCleanup();
    mustSh(["tar", "-C", dir, "--numeric-owner", "--xattrs", "-xpf", archive], 600_000);
    await box.boot();
    return box;
  }

  /** Boots an already unpacked root file system in place (provisioning's bake). */
  static async inPlace(dir: string): Promise<PodmanBox> {
    const box = new PodmanBox(dir, `mxhome-bake-${process.pid}`, false);
    box.registerCleanup();
    await box.boot();
    return box;
  }

  /**
   * `bun test` fires no "exit" handlers, so a detached watchdog waits for this
   * process to end (however it ends) and then removes what it left running.
   */
  private registerCleanup(): void {
    if (!this.owned) {
      process.once("exit", () => this.killNow());
      return;
    }
    const watchdog = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(import.meta.path)} clean`;
    Bun.spawn(["setsid", "sh", "-c", watchdog], { stdin: "ignore", stdout: "ignore", stderr: "ignore" }).unref();
  }

  /** Boots systemd in the box and waits until it and each user's manager are up. */
  async boot(): Promise<void> {
    this.console = "";
    // Each box gets its own cgroup in the host's cgroup2 hierarchy: nspawn
    // (--keep-unit) makes the caller's cgroup the box's root, and boxes sharing
    // one would see each other's user@.service cgroups (a shutdown then waits
    // for processes of another box). It also lets cleanup kill the whole box at once.
    const cgroup = boxCgroup(this.name);
    mkdirSync(cgroup, { recursive: true });
    const argv = [
      "sh",
      "-c",
      'echo $$ >"$0/cgroup.procs" && exec setsid "$@"',
      cgroup,
      "systemd-nspawn",
      "--quiet",
      `--directory=${this.dir}`,
      "--boot",
      // crun creates a session keyring (wall 4); no host systemd to register with (wall 3).
      "--system-call-filter=@keyring",
      "--register=no",
      "--keep-unit",
      `--machine=${this.name}`,
      "--console=pipe",
    ];
    // cgroup v2 inside, so crun accepts the box (wall 2).
    const nspawn = Bun.spawn(argv, { env: { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: "1" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    this.nspawn = nspawn;
    if (this.owned) writeFileSync(join(boxRunRoot, `${this.name}.pid`), `${nspawn.pid}\n`);
    void this.collect(nspawn.stdout as ReadableStream<Uint8Array>);
    void this.collect(nspawn.stderr as ReadableStream<Uint8Array>);
    const deadline = Date.now() + 120_000;
    while (!this.initPid) {
      if (nspawn.exitCode !== null || Date.now() > deadline) throw new Error(`the box did not boot:\n${this.console.slice(-3000)}`);
      this.initPid = boxInitPid(nspawn.pid);
      if (!this.initPid) await sleep(100);
    }
    // The system bus comes up a moment after PID 1; until then systemctl cannot connect. Right after
    // nspawn starts, PID 1 may not have become systemd yet: systemctl then says "offline".
    let state = this.root(["systemctl", "is-system-running", "--wait"], { timeoutMs: 120_000 });
    while ((state.stderr.includes("Failed to connect") || state.stdout.trim() === "offline") && Date.now() < deadline) {
      await sleep(200);
      state = this.root(["systemctl", "is-system-running", "--wait"], { timeoutMs: 120_000 });
    }
    if (!["running", "degraded"].includes(state.stdout.trim())) {
      throw new Error(`the box's systemd is ${state.stdout.trim() || state.stderr.trim()}:\n${this.root(["systemctl", "--failed", "--no-pager"]).stdout}`);
    }
    for (const [user, uid] of Object.entries(boxUsers)) {
      const manager = this.root(["systemctl", "is-active", "--wait", `user@${uid}.service`], { timeoutMs: 60_000 });
      if (manager.stdout.trim() !== "active") throw new Error(`${user}'s user manager is ${manager.stdout.trim()}`);
    }
  }

  private async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.console = (this.console + decoder.decode(chunk)).slice(-20_000);
  }

  /** The host argv that runs argv as root inside the box (all its namespaces). */
  private nsenterArgv(argv: string[], options: BoxRunOptions): string[] {
    if (!this.initPid) throw new Error("the box is not running");
    const env = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
    const inner = options.cwd ? ["sh", "-c", 'cd "$0" && exec "$@"', options.cwd, ...argv] : argv;
    return ["nsenter", `--target=${this.initPid}`, "--all", "--root", "--wd", "env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ...env, ...inner];
  }

  /** Runs argv as root inside the box (all its namespaces). */
  root(argv: string[], options: BoxRunOptions = {}): BoxResult {
    const result = Bun.spawnSync(this.nsenterArgv(argv, options), {
      stdin: options.input === undefined ? "ignore" : new TextEncoder().encode(options.input),
      timeout: options.timeoutMs ?? 300_000,
    });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
  }

  /** argv and options that run argv as one of the box's users, in a login-like environment that reaches its user manager. */
  private asUser(user: BoxUser, argv: string[], options: BoxRunOptions): [string[], BoxRunOptions] {
    const uid = boxUsers[user];
    const env = {
      HOME: `/home/${user}`,
      USER: user,
      LOGNAME: user,
      LANG: "C.UTF-8",
      XDG_RUNTIME_DIR: `/run/user/${uid}`,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=/run/user/${uid}/bus`,
      ...options.env,
    };
    const userArgv = ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--init-groups", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
    return [userArgv, { input: options.input, timeoutMs: options.timeoutMs, cwd: options.cwd ?? `/home/${user}` }];
  }

  /** Runs argv as one of the box's users, in a login-like environment that reaches its user manager. */
  run(user: BoxUser, argv: string[], options: BoxRunOptions = {}): BoxResult {
    return this.root(...this.asUser(user, argv, options));
  }

  /** Like run, but throws with the command's output when it fails. */
  mustRun(user: BoxUser, argv: string[], options: BoxRunOptions = {}): string {
    return mustSucceed(this.run(user, argv, options), argv, user);
  }

  /** Like mustRun, without blocking this process: the bake builds every user's images at once. */
  async mustRunAsync(user: BoxUser, argv: string[], options: Pick<BoxRunOptions, "timeoutMs"> = {}): Promise<string> {
    const [userArgv, userOptions] = this.asUser(user, argv, options);
    const child = Bun.spawn(this.nsenterArgv(userArgv, userOptions), { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: userOptions.timeoutMs ?? 300_000 });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return mustSucceed({ exitCode, stdout, stderr }, argv, user);
  }

  /** Copies a host file into the box, owned by `user` (or root). */
  install(hostFile: string, boxPath: string, options: { user?: BoxUser; mode?: number } = {}): void {
    const target = join(this.dir, boxPath);
    mustSh(["install", "-D", `--mode=${(options.mode ?? 0o755).toString(8)}`, hostFile, target]);
    if (options.user) mustSh(["chown", `${boxUsers[options.user]}:${boxUsers[options.user]}`, target]);
  }

  /** `systemctl reboot` inside, wait for the box to go down, boot the same root file system again. */
  async reboot(): Promise<void> {
    const before = this.initPid;
    this.root(["systemctl", "reboot"]);
    await this.waitForExit(180_000);
    await this.boot();
    if (this.initPid === before) throw new Error("the box did not reboot: same PID 1");
  }

  /**
   * Waits for nspawn to end. Past the timeout the box's PID 1 is killed:
   * that ends its whole pid namespace (containers included), which killing
   * only nspawn would not — they would keep the ports a next boot needs.
   */
  private async waitForExit(timeoutMs: number): Promise<void> {
    const nspawn = this.nspawn;
    const init = this.initPid;
    if (nspawn) {
      const timedOut = await Promise.race([nspawn.exited.then(() => false), sleep(timeoutMs).then(() => true)]);
      if (timedOut) {
        console.error(`the box did not halt within ${timeoutMs / 1000} s; killing it. Its console:\n${this.console.slice(-3000)}`);
        killCgroup(boxCgroup(this.name));
        nspawn.kill("SIGKILL");
        await nspawn.exited;
      }
    }
    if (init) await waitGone(init, 30_000);
    removeCgroup(boxCgroup(this.name));
    this.nspawn = undefined;
    this.initPid = undefined;
  }

  /**
   * Powers the box off (nspawn turns SIGTERM into a clean shutdown). Its copy
   * (gigabytes) is deleted by the watchdog once this process has ended, while
   * the test runner goes on with the next phase.
   */
  async stop(): Promise<void> {
    this.nspawn?.kill("SIGTERM");
    await this.waitForExit(60_000);
  }

  /** A bake's box, when its process ends early. Killing nspawn alone would leave the box running. */
  private killNow(): void {
    killCgroup(boxCgroup(this.name));
    this.nspawn = undefined;
  }
}

/** The host's cgroup2 hierarchy (mounted at /sys/fs/cgroup/unified on a hybrid host like CI's). */
function cgroup2Root(): string {
  const mount = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .find((fields) => fields[2] === "cgroup2");
  if (!mount?.[1]) throw new Error("no cgroup2 hierarchy is mounted: the podman box needs one");
  return mount[1];
}

const boxCgroup = (name: string) => join(cgroup2Root(), name);

/** Kills every process of a box — its systemd, user managers, containers — through cgroup.kill (Linux 5.14). */
function killCgroup(cgroup: string): void {
  if (!existsSync(join(cgroup, "cgroup.kill"))) return;
  writeFileSync(join(cgroup, "cgroup.kill"), "1");
  const deadline = Date.now() + 10_000;
  while (readFileSync(join(cgroup, "cgroup.events"), "utf8").includes("populated 1") && Date.now() < deadline) Bun.sleepSync(100);
}

/** Removes a box's (empty) cgroup tree, deepest first. */
function removeCgroup(cgroup: string): void {
  if (!existsSync(cgroup)) return;
  const dirs = sh(["find", cgroup, "-depth", "-type", "d"]).stdout.split("\n").filter(Boolean);
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {
      // still populated: the stale-box cleanup kills and retries
    }
  }
}

/** Unmounts anything left below a box copy and deletes it. */
export function removeBoxCopy(dir: string): void {
  if (!existsSync(dir)) return;
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => Boolean(point) && (point === dir || point!.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) sh(["umount", "-l", point]);
  sh(["rm", "-rf", "--one-file-system", dir]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Kills the boxes of test processes that have ended (their pid files) and removes their copies. */
export function cleanUpStaleBoxes(): void {
  if (!existsSync(boxRunRoot)) return;
  const names = new Set(readdirSync(boxRunRoot).map((entry) => entry.replace(/\.pid$/, "")));
  for (const name of names) {
    const owner = /^mxhome-box-(\d+)$/.exec(name)?.[1];
    if (!owner || alive(Number(owner))) continue;
    // cgroup.kill takes the box's systemd and every container with it; nspawn then exits by itself.
    killCgroup(boxCgroup(name));
    removeCgroup(boxCgroup(name));
    removeBoxCopy(join(boxRunRoot, name));
    rmSync(join(boxRunRoot, `${name}.pid`), { force: true });
  }
}

let shared: Promise<PodmanBox> | undefined;

/**
 * The one box this test process boots, for every suite that needs it.
 * Under CI=true a missing archive or a failed boot fails the caller; elsewhere too — a
 * suite that needs the box should not run at all without root (the runner's root phase).
 */
export function sharedBox(): Promise<PodmanBox> {
  shared ??= (async () => {
    const archive = cachedBoxArchive();
    if (!archive) throw new Error("no podman box archive in .cache/podman-box: run scripts/provision-test-env.sh as root");
    return PodmanBox.fromArchive(archive);
  })();
  return shared;
}

/**
 * Powers the shared box off, if this process booted one: once, after every
 * suite of the run (test/preload.ts's global afterAll), so suites in
 * several files share the one boot.
 */
export async function stopSharedBox(): Promise<void> {
  const booting = shared;
  shared = undefined;
  const box = await booting?.catch(() => undefined);
  await box?.stop();
}

/** A stand-in some box users get besides the pinned ones: built from a Containerfile with build args, under a tag. */
interface ExtraImage {
  users: BoxUser[];
  tag: string;
  containerfile: string;
  buildArgs: Record<string, string>;
}

/** Provisioning: build each box user's stand-in images under the pinned names, in the box itself. */
async function bake(dir: string): Promise<void> {
  const images = JSON.parse(readFileSync(join(dir, "opt/mxhome-images/images.json"), "utf8")) as Record<string, string>;
  const extraFile = join(dir, "opt/mxhome-images/extra-images.json");
  const extraImages = existsSync(extraFile) ? (JSON.parse(readFileSync(extraFile, "utf8")) as ExtraImage[]) : [];
  const box = await PodmanBox.inPlace(dir);
  // Every user at once: each has its own image store, and most of the time goes to unpacking and
  // committing layers, so the users' imports and builds overlap.
  const bakeUser = async (user: BoxUser): Promise<string> => {
    const started = Date.now();
    await box.mustRunAsync(user, ["podman", "import", "--quiet", "--change", 'CMD ["/bin/bash"]', "/opt/mxhome-images/rootfs.tar", "localhost/mxhome-standin-base:latest"], {
      timeoutMs: 600_000,
    });
    for (const [service, name] of Object.entries(images)) {
      await box.mustRunAsync(user, ["podman", "build", "--quiet", "--network=none", "--file", `/opt/mxhome-images/Containerfile.${service}`, "--tag", name, "/opt/mxhome-images"], {
        timeoutMs: 300_000,
      });
    }
    // >>> podman Synapse upgrade (issue #19): stand-ins only some users get (scripts/provision-podman-box.sh lists them).
    for (const extra of extraImages.filter((image) => image.users.includes(user))) {
      const buildArgs = Object.entries(extra.buildArgs).flatMap(([name, value]) => ["--build-arg", `${name}=${value}`]);
      // --no-cache: buildah's layer cache does not tell build args apart (it would hand back the pinned image).
      await box.mustRunAsync(user, ["podman", "build", "--quiet", "--network=none", "--no-cache", ...buildArgs, "--file", `/opt/mxhome-images/${extra.containerfile}`, "--tag", extra.tag, "/opt/mxhome-images"], {
        timeoutMs: 300_000,
      });
    }
    // <<< podman Synapse upgrade
    const built = (await box.mustRunAsync(user, ["podman", "images", "--format", "{{.Repository}}:{{.Tag}}"])).trim().split("\n").join(", ");
    return `${user}: ${built} (${Math.round((Date.now() - started) / 1000)} s)`;
  };
  try {
    for (const line of await Promise.all((Object.keys(boxUsers) as BoxUser[]).map(bakeUser))) console.log(line);
  } finally {
    await box.stop();
  }
}

if (import.meta.main) {
  const [command, dir] = process.argv.slice(2);
  if (command === "bake" && dir) await bake(resolve(dir));
  else if (command === "clean") cleanUpStaleBoxes();
  else {
    console.error("usage: bun test/support/podman-box.ts bake DIR | clean");
    process.exit(2);
  }
}
