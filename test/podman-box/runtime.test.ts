import { beforeAll, describe, expect, test } from "bun:test";
import { chownSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { mxhomeBinary } from "../support/binary.ts";
import { type BoxUser, boxUsers, type PodmanBox, sharedBox } from "../support/podman-box.ts";
import { freePort, freePortRange } from "../support/ports.ts";
import { renderTestOverrides } from "../support/server-setup.ts";

/**
 * The podman runtime for real: the compiled binary, run as the box's
 * unprivileged users, drives rootless podman and quadlet units under a real
 * systemd user manager (test/support/podman-box.ts). The stand-in images run
 * the pinned Synapse, a real PostgreSQL and a real Caddy.
 *
 * Steps build on each other, in order, like a person's first weeks; the
 * first user turns [scale] workers on before the reboot and off after it.
 */
const units = ["mxhome-postgres.service", "mxhome-synapse.service", "mxhome-caddy.service"];
/** [scale] workers = 1: Redis and the worker, each with a health check. */
const scaleUnits = ["mxhome-redis.service", "mxhome-synapse-worker1.service"];
const password = "box-admin-password-1";

interface Server {
  user: BoxUser;
  home: string;
  ports: { synapse: number; caddy: number; postgres: number };
  /** The [scale] units it runs now. */
  scale: string[];
}

let box: PodmanBox;
let mx: Server;
let mx2: Server;

async function server(user: BoxUser): Promise<Server> {
  return { user, home: `/home/${user}`, ports: { synapse: await freePort(), caddy: await freePort(), postgres: await freePort() }, scale: [] };
}

/** Writes a file into a box user's HOME, as that user would (parents created, owned by the user). */
function writeAs(user: BoxUser, boxPath: string, content: string, mode = 0o644): void {
  box.mustRun(user, ["mkdir", "-p", dirname(boxPath)]);
  const target = join(box.dir, boxPath);
  writeFileSync(target, content, { mode });
  chownSync(target, boxUsers[user], boxUsers[user]);
}

const mxhome = (s: Server, ...args: string[]) => box.run(s.user, ["mxhome", ...args], { timeoutMs: 900_000 });
const systemctl = (s: Server, ...args: string[]) => box.run(s.user, ["systemctl", "--user", ...args]);

function expectOk(result: { exitCode: number; stdout: string; stderr: string }, what: string): string {
  if (result.exitCode !== 0) throw new Error(`${what} failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Runs the container's HealthCmd now (podman's own timer runs it only every 30 s) and returns the verdict. */
function health(s: Server, container: string): string {
  box.run(s.user, ["podman", "healthcheck", "run", container]);
  return box.run(s.user, ["podman", "inspect", "--format", "{{.State.Health.Status}}", container]).stdout.trim();
}

/** Polls until every unit is active and the ones with a HealthCmd (all but Caddy's) report healthy. */
async function waitHealthy(s: Server, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const active = systemctl(s, "is-active", ...units, ...s.scale).stdout.trim().split("\n");
    const healthy = ["mxhome-postgres", "mxhome-synapse", ...s.scale.map((unit) => unit.replace(/\.service$/, ""))].map((c) => health(s, c));
    last = `${active.join(",")} / ${healthy.join(",")}`;
    if (active.every((a) => a === "active") && healthy.every((h) => h === "healthy")) return;
    await Bun.sleep(1000);
  }
  throw new Error(`not healthy after ${timeoutMs / 1000} s: ${last}`);
}

async function http(s: Server, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${s.ports.caddy}${path}`, init);
}

async function login(s: Server): Promise<string> {
  const response = await http(s, "/_matrix/client/v3/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`login on ${s.user}'s server: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function initServer(s: Server): Promise<void> {
  writeAs(s.user, `${s.home}/.config/mxhome/homeserver.overrides.yaml`, renderTestOverrides());
  writeAs(s.user, `${s.home}/admin-password`, `${password}\n`, 0o600);
}

beforeAll(async () => {
  box = await sharedBox();
  box.install(mxhomeBinary(), "/usr/local/bin/mxhome");
  mx = await server("mx");
  mx2 = await server("mx2");
  await initServer(mx);
  await initServer(mx2);
}, 900_000);

describe("podman runtime in a real systemd user manager (box)", () => {
  test("init, then up --password-file: three units active and healthy, accounts, timers", async () => {
    expectOk(
      mxhome(mx, "init", "--yes", "--server-name", "box.test", "--synapse-port", `${mx.ports.synapse}`, "--caddy-port", `${mx.ports.caddy}`, "--postgres-port", `${mx.ports.postgres}`),
      "init",
    );
    const started = Date.now();
    const up = expectOk(mxhome(mx, "up", "--password-file", `${mx.home}/admin-password`), "up");
    const seconds = (Date.now() - started) / 1000;
    console.error(`first up: ${seconds.toFixed(1)} s`);
    expect(up).toMatch(/created/i);
    expect(systemctl(mx, "is-active", ...units).stdout.trim().split("\n")).toEqual(["active", "active", "active"]);
    expect(health(mx, "mxhome-postgres")).toBe("healthy");
    expect(health(mx, "mxhome-synapse")).toBe("healthy");
    expect(systemctl(mx, "is-enabled", "mxhome-purge.timer", "mxhome-kick.timer").stdout.trim().split("\n")).toEqual(["enabled", "enabled"]);
    expect(systemctl(mx, "is-active", "mxhome-purge.timer", "mxhome-kick.timer").stdout.trim().split("\n")).toEqual(["active", "active"]);
  }, 900_000);

  test("no start waits for network-online.target, which nothing activates in the box", () => {
    expect(box.root(["systemctl", "is-active", "network-online.target"]).stdout.trim()).not.toBe("active");
    for (const unit of units) {
      const show = systemctl(mx, "show", "--property=Wants,After", unit).stdout;
      expect(show).not.toContain("network-online");
    }
  });

  test("the running units carry the desktop-first weights and Synapse's memory ceiling; systemd-analyze verify is clean", () => {
    // The box has no cpu/io/memory controllers (README), so nothing is enforced here: the keys reach systemd and verify.
    for (const unit of units) {
      const show = systemctl(mx, "show", "--property=CPUWeight,IOWeight,MemoryHigh", unit).stdout;
      expect(show).toContain("CPUWeight=20");
      expect(show).toContain("IOWeight=20");
      // init's default: a quarter of the RAM, 1G to 4G.
      if (unit === "mxhome-synapse.service") expect(Number(/MemoryHigh=(\d+)/.exec(show)?.[1])).toBeGreaterThanOrEqual(1024 ** 3);
    }
    const generated = units.map((unit) => `/run/user/${boxUsers[mx.user]}/systemd/generator/${unit}`);
    const verify = box.run(mx.user, ["systemd-analyze", "--user", "verify", ...generated]);
    expect(verify.stderr.trim()).toBe("");
    expect(verify.exitCode).toBe(0);
  });

  test("through Caddy: the admin logs in, /.well-known/matrix/server, /_synapse/admin is 404", async () => {
    expect(await login(mx)).toBeTruthy();
    const wellKnown = await http(mx, "/.well-known/matrix/server");
    expect(wellKnown.status).toBe(200);
    expect(await wellKnown.json()).toEqual({ "m.server": "box.test:443" });
    expect((await http(mx, "/_synapse/admin/v1/server_version")).status).toBe(404);
  });

  test("the containers run as the images' users; Synapse's files are the box user's own", () => {
    const top = (container: string) => box.run(mx.user, ["podman", "top", container, "user", "huser", "comm"]).stdout;
    // The postgres image's user maps into the box user's subordinate range; uid 991 (keep-id) is the box user itself.
    const postgres = /\npostgres\s+(\d+)\s+postgres/.exec(top("mxhome-postgres"));
    expect(Number(postgres?.[1])).toBeGreaterThanOrEqual(100000);
    expect(top("mxhome-synapse")).toMatch(/\nsynapse\s+1001\s+python/);
    const owners = box.run(mx.user, ["find", `${mx.home}/.local/share/mxhome/synapse`, "!", "-user", "mx"]).stdout.trim();
    expect(owners).toBe("");
  });

  test("status shows three services running", () => {
    const status = JSON.parse(expectOk(mxhome(mx, "status", "--json"), "status")) as { services: { name: string; state: string }[] };
    expect(status.services.map((service) => service.state)).toEqual(["running", "running", "running"]);
  });

  test("doctor: nothing fails but what needs Tailscale or the internet; podman, cgroups, subids, linger ok", () => {
    const doctor = JSON.parse(mxhome(mx, "doctor", "--json").stdout) as { checks: { id: string; status: string; detail: string }[] };
    const byId = new Map(doctor.checks.map((check) => [check.id, check]));
    // The whole check on a mismatch: its detail says why.
    for (const id of ["podman", "cgroups-v2", "subids", "linger", "user-systemd"]) expect(byId.get(id)).toMatchObject({ id, status: "ok" });
    const failing = doctor.checks.filter((check) => check.status === "fail" && !/tailscale|funnel|public|dns|outbound|internet/i.test(check.id));
    expect(failing).toEqual([]);
  }, 120_000);
});

describe("the timers' services, started by systemd as the timers would", () => {
  test("mxhome-kick.service and mxhome-purge.service succeed and leave their records", () => {
    // kick works on the Space's rooms: without a Space it has nothing to observe.
    expectOk(mxhome(mx, "space", "create", "--name", "Family", "--room", "General"), "space create");
    expectOk(systemctl(mx, "start", "mxhome-kick.service"), "systemctl --user start mxhome-kick.service");
    expectOk(systemctl(mx, "start", "mxhome-purge.service"), "systemctl --user start mxhome-purge.service");
    const state = `${mx.home}/.local/state/mxhome`;
    expect(box.run(mx.user, ["test", "-s", `${state}/kick/ledger.sqlite`]).exitCode).toBe(0);
    const records: Record<string, { ok: boolean; summary: string }> = {};
    for (const command of ["kick", "purge"]) {
      records[command] = JSON.parse(expectOk(box.run(mx.user, ["cat", `${state}/runs/${command}.json`]), `${command} run record`));
      expect(`${command}: ${records[command]!.ok}`).toBe(`${command}: true`);
    }
    // The database sizes come from SQL fed to `podman exec -i mxhome-postgres psql` on stdin.
    expect(records.purge!.summary).toMatch(/database \d+ MB → \d+ MB/);
    expect(records.kick!.summary).toMatch(/observed \d+ rooms/);
  }, 600_000);

  test("with [backup] enabled, up adds its timer and mxhome-backup.service writes an archive", () => {
    const config = `${mx.home}/.config/mxhome/mxhome.toml`;
    const toml = expectOk(box.run(mx.user, ["cat", config]), "read mxhome.toml");
    writeAs(mx.user, config, toml.replace(/(\[backup\][^[]*?)enabled = false/, "$1enabled = true"), 0o600);
    expectOk(mxhome(mx, "up"), "up with [backup] enabled");
    expect(systemctl(mx, "is-enabled", "mxhome-backup.timer").stdout.trim()).toBe("enabled");
    expectOk(systemctl(mx, "start", "mxhome-backup.service"), "systemctl --user start mxhome-backup.service");
    const record = JSON.parse(expectOk(box.run(mx.user, ["cat", `${mx.home}/.local/state/mxhome/runs/backup.json`]), "backup run record")) as { ok: boolean };
    expect(record.ok).toBe(true);
    expect(box.run(mx.user, ["sh", "-c", `ls ${mx.home}/.local/share/mxhome/backups/*`]).stdout.trim()).not.toBe("");
  }, 600_000);
});

describe("converge", () => {
  test("down leaves no container running and pauses the timers", () => {
    expectOk(mxhome(mx, "down"), "down");
    expect(box.run(mx.user, ["podman", "ps", "--quiet"]).stdout.trim()).toBe("");
    expect(systemctl(mx, "is-active", "mxhome-purge.timer", "mxhome-kick.timer").stdout.trim().split("\n")).toEqual(["inactive", "inactive"]);
  }, 300_000);

  test("up brings everything back; a second up changes nothing and --dry-run plans nothing", async () => {
    expectOk(mxhome(mx, "up"), "up");
    await waitHealthy(mx, 120_000);
    expect(systemctl(mx, "is-active", "mxhome-purge.timer", "mxhome-kick.timer").stdout.trim().split("\n")).toEqual(["active", "active"]);
    const again = JSON.parse(expectOk(mxhome(mx, "up", "--json"), "second up")) as { plan: { actions: unknown[] } };
    expect(again.plan.actions).toEqual([]);
    const dry = JSON.parse(expectOk(mxhome(mx, "up", "--dry-run", "--json"), "up --dry-run")) as { plan?: { actions: unknown[] }; actions?: unknown[] };
    expect(dry.plan?.actions ?? dry.actions).toEqual([]);
  }, 600_000);

  test("logs synapse -n 20 reads the journal", () => {
    const logs = expectOk(mxhome(mx, "logs", "synapse", "-n", "20"), "logs");
    expect(logs.trim().split("\n").length).toBeGreaterThanOrEqual(5);
    expect(logs).toMatch(/synapse|Synapse/);
  });
});

describe("backup, then restore into a second user's fresh HOME (still podman, other ports)", () => {
  let roomId = "";
  let signingKey = "";

  test("restore brings up the same server: signing key and the admin's room", async () => {
    const token = await login(mx);
    const created = await http(mx, "/_matrix/client/v3/createRoom", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "before the backup" }),
    });
    roomId = ((await created.json()) as { room_id: string }).room_id;
    expect(roomId).toStartWith("!");
    signingKey = Object.keys(((await (await http(mx, "/_matrix/key/v2/server")).json()) as { verify_keys: object }).verify_keys)[0]!;

    expectOk(mxhome(mx, "backup", "--to", "/tmp/box-backups"), "backup");
    const archive = box.run(mx.user, ["sh", "-c", "ls /tmp/box-backups/*"]).stdout.trim().split("\n")[0]!;
    expectOk(box.root(["install", "-o", "mx2", "-g", "mx2", "-m", "0600", archive, "/home/mx2/restore.archive"]), "copy the archive to mx2");
    expectOk(
      mxhome(mx2, "restore", "/home/mx2/restore.archive", "--synapse-port", `${mx2.ports.synapse}`, "--caddy-port", `${mx2.ports.caddy}`, "--postgres-port", `${mx2.ports.postgres}`),
      "restore",
    );
    await waitHealthy(mx2, 180_000);
    const restoredKeys = ((await (await http(mx2, "/_matrix/key/v2/server")).json()) as { verify_keys: object }).verify_keys;
    expect(Object.keys(restoredKeys)).toEqual([signingKey]);
    const rooms = (await (await http(mx2, "/_matrix/client/v3/joined_rooms", { headers: { Authorization: `Bearer ${await login(mx2)}` } })).json()) as { joined_rooms: string[] };
    expect(rooms.joined_rooms).toContain(roomId);
  }, 900_000);
});

describe("faults", () => {
  test("a Synapse that keeps failing ends failed; status and doctor name it; up after the fix resets and starts it", async () => {
    const overrides = `${mx.home}/.config/mxhome/homeserver.overrides.yaml`;
    const good = expectOk(box.run(mx.user, ["cat", overrides]), "read overrides");
    writeAs(mx.user, overrides, `${good}\nlisteners: not-a-list\n`);
    try {
      await expectFailedAndNamed();
    } finally {
      writeAs(mx.user, overrides, good);
    }
    expectOk(mxhome(mx, "up"), "up after the fix");
    await waitHealthy(mx, 180_000);
  }, 900_000);

  async function expectFailedAndNamed(): Promise<void> {
    const up = mxhome(mx, "up");
    expect(up.exitCode).not.toBe(0);
    expect(up.stderr).toContain("mxhome-synapse.service did not come up");
    const deadline = Date.now() + 300_000;
    while (systemctl(mx, "is-failed", "mxhome-synapse.service").stdout.trim() !== "failed" && Date.now() < deadline) await Bun.sleep(2000);
    expect(systemctl(mx, "is-failed", "mxhome-synapse.service").stdout.trim()).toBe("failed");

    // Both name the unit and show why it gave up: Synapse's own complaint, from the journal.
    const status = mxhome(mx, "status");
    expect(status.stdout).toContain("synapse (mxhome-synapse.service) failed; its last lines:");
    expect(status.stdout).toContain("Error in configuration at 'listeners'");
    const doctor = mxhome(mx, "doctor");
    expect(doctor.exitCode).not.toBe(0);
    expect(doctor.stdout).toContain("synapse: mxhome-synapse.service failed");
    expect(doctor.stdout).toContain("Error in configuration at 'listeners'");
    expect(doctor.stdout).not.toContain("the check itself failed");
  }

  test("a killed container comes back by itself, and doctor counts the restart", async () => {
    const before = Number(systemctl(mx, "show", "--property=NRestarts", "--value", "mxhome-caddy.service").stdout.trim());
    expectOk(box.run(mx.user, ["podman", "kill", "mxhome-caddy"]), "podman kill");
    const deadline = Date.now() + 120_000;
    let restarts = before;
    while (Date.now() < deadline) {
      restarts = Number(systemctl(mx, "show", "--property=NRestarts", "--value", "mxhome-caddy.service").stdout.trim());
      if (restarts > before && systemctl(mx, "is-active", "mxhome-caddy.service").stdout.trim() === "active") break;
      await Bun.sleep(1000);
    }
    expect(restarts).toBeGreaterThan(before);
    expect((await http(mx, "/.well-known/matrix/server")).status).toBe(200);
    const doctor = JSON.parse(mxhome(mx, "doctor", "--json").stdout) as { checks: { id: string; status: string; detail: string }[] };
    const check = doctor.checks.find((c) => c.id === "restarts");
    expect(check?.detail).toMatch(/caddy/i);
  }, 300_000);

  test("a hand-edited unit makes up refuse without --force", () => {
    const unit = `${mx.home}/.config/containers/systemd/mxhome-caddy.container`;
    const text = expectOk(box.run(mx.user, ["cat", unit]), "read unit");
    writeAs(mx.user, unit, `${text}# my own edit\n`);
    const refused = mxhome(mx, "up");
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain("--force");
    expectOk(mxhome(mx, "up", "--force"), "up --force");
  }, 300_000);
});

/** [scale] workers on the first user's server: the room and the port the worker listens on. */
const scaled = { roomId: "", token: "", workerPort: 0 };

function setWorkers(s: Server, value: string, firstPort?: number): void {
  const config = `${s.home}/.config/mxhome/mxhome.toml`;
  let toml = expectOk(box.run(s.user, ["cat", config]), "read mxhome.toml").replace(/^workers = .*$/m, `workers = ${value}`);
  if (firstPort) toml = toml.replace(/^first_port = .*$/m, `first_port = ${firstPort}`);
  writeAs(s.user, config, toml, 0o600);
}

async function client<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${scaled.token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const main = (s: Server) => `http://127.0.0.1:${s.ports.synapse}`;
const caddy = (s: Server) => `http://127.0.0.1:${s.ports.caddy}`;
type Sync = { next_batch: string; rooms?: { join?: Record<string, { timeline: { events: { event_id: string }[] } }> } };

/** A message sent to the main process's own listener (events are written there), then long-polled for in /sync through Caddy. */
async function sentReachesSyncThroughCaddy(s: Server, body: string): Promise<number | undefined> {
  const room = encodeURIComponent(scaled.roomId);
  let since = (await client<Sync>(caddy(s), "GET", "/_matrix/client/v3/sync?timeout=0")).next_batch;
  const started = Date.now();
  const { event_id: eventId } = await client<{ event_id: string }>(main(s), "PUT", `/_matrix/client/v3/rooms/${room}/send/m.room.message/${Date.now()}`, { msgtype: "m.text", body });
  while (Date.now() - started < 30_000) {
    const answer = await client<Sync>(caddy(s), "GET", `/_matrix/client/v3/sync?timeout=5000&since=${since}`);
    if (answer.rooms?.join?.[scaled.roomId]?.timeline.events.some((event) => event.event_id === eventId)) return Date.now() - started;
    since = answer.next_batch;
  }
  return undefined;
}

/** Caddy's open connections to the worker's port: proof that Caddy sent the /sync there (the box shares the host's network). */
const caddyToWorker = () => box.root(["ss", "-Htnp", "state", "established", `( dport = :${scaled.workerPort} )`]).stdout;

async function history(s: Server): Promise<{ id: string; body?: string }[]> {
  const page = await client<{ chunk: { event_id: string; type: string; content: { body?: string } }[] }>(main(s), "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(scaled.roomId)}/messages?dir=b&limit=100`);
  return page.chunk.filter((event) => event.type === "m.room.message").map((event) => ({ id: event.event_id, body: event.content.body }));
}

describe("[scale] workers = 1 (Redis and one worker, each a quadlet unit)", () => {
  test("up adds Redis before the main process restarts, the worker after it, then Caddy; both units active and healthy", async () => {
    const firstPort = await freePortRange(2);
    scaled.workerPort = firstPort + 1;
    setWorkers(mx, "1", firstPort);
    const started = Date.now();
    const up = JSON.parse(expectOk(mxhome(mx, "up", "--json"), "up with workers = 1")) as { plan: { actions: { kind: string; process?: string; service?: string }[] } };
    console.error(`up, workers on: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const steps = up.plan.actions.filter((action) => /start|restart/.test(action.kind)).map((action) => `${action.kind} ${action.process ?? action.service}`);
    expect(steps).toEqual(["start-process redis", "restart synapse", "start-process worker1", "restart caddy"]);
    mx.scale = scaleUnits;
    await waitHealthy(mx, 120_000);
  }, 600_000);

  test("a message sent through the main process reaches a /sync served by the worker, through Caddy", async () => {
    scaled.token = await login(mx);
    scaled.roomId = (await client<{ room_id: string }>(caddy(mx), "POST", "/_matrix/client/v3/createRoom", { name: "workers" })).room_id;
    expect(await sentReachesSyncThroughCaddy(mx, "hello through the worker")).toBeLessThan(30_000);
    expect(caddyToWorker()).toContain('"caddy"');
  }, 120_000);

  test("status and doctor name Redis and the worker by their units; replication works", () => {
    const status = JSON.parse(expectOk(mxhome(mx, "status", "--json"), "status")) as { workers: { name: string; state: string; healthy: boolean; unit?: string; port?: number }[] };
    expect(status.workers.map(({ name, state, healthy, unit, port }) => ({ name, state, healthy, unit, port }))).toEqual([
      { name: "redis", state: "running", healthy: true, unit: "mxhome-redis.service", port: undefined },
      { name: "worker1", state: "running", healthy: true, unit: "mxhome-synapse-worker1.service", port: scaled.workerPort },
    ]);
    const doctor = JSON.parse(mxhome(mx, "doctor", "--json").stdout) as { checks: { id: string; status: string; detail: string }[] };
    const check = (id: string) => doctor.checks.find((c) => c.id === id);
    expect(check("workers")).toMatchObject({ status: "ok", detail: expect.stringContaining("Synapse worker1 (mxhome-synapse-worker1.service)") });
    expect(check("replication")).toMatchObject({ status: "ok", detail: expect.stringContaining("worker worker1: seen after") });
  }, 120_000);

  test("down stops Redis and the worker with the rest (the reboot below brings all back)", () => {
    expectOk(mxhome(mx, "down"), "down");
    expect(box.run(mx.user, ["podman", "ps", "--quiet"]).stdout.trim()).toBe("");
  }, 300_000);
});

describe("reboot", () => {
  test("after the box reboots, all three units of both users come back healthy by themselves", async () => {
    const containerIds = (s: Server) => box.run(s.user, ["podman", "ps", "--quiet", "--no-trunc"]).stdout.trim().split("\n").sort();
    const before = [...containerIds(mx), ...containerIds(mx2)];
    const started = Date.now();
    await box.reboot();
    console.error(`reboot: the box was up again after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await waitHealthy(mx, 300_000);
    await waitHealthy(mx2, 300_000);
    console.error(`reboot: both servers healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // New containers: quadlet's --rm/--replace created them afresh at boot, nothing survived the reboot.
    const after = [...containerIds(mx), ...containerIds(mx2)];
    // The first user's Redis and worker too.
    expect(after).toHaveLength(6 + mx.scale.length);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    expect(await login(mx)).toBeTruthy();
    // Synapse's unit Wants= mxhome-catch-up.service: the boot's start of Synapse ran catch-up, with no `mxhome up`.
    const catchUpRecord = `${mx.home}/.local/state/mxhome/runs/catch-up.json`;
    let record: { startedAt?: string; ok?: boolean } = {};
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await Bun.sleep(1000)) {
      const read = box.run(mx.user, ["cat", catchUpRecord]);
      record = read.exitCode === 0 ? (JSON.parse(read.stdout) as typeof record) : {};
      if (record.startedAt && Date.parse(record.startedAt) >= started) break;
    }
    expect(Date.parse(record.startedAt ?? "")).toBeGreaterThanOrEqual(started);
    expect(record.ok).toBe(true);
    expect(systemctl(mx, "show", "--property=Result", "mxhome-catch-up.service").stdout.trim()).toBe("Result=success");
  }, 900_000);
});

describe("[scale] workers off again, after the reboot", () => {
  test("the worker came back with the box and serves /sync through Caddy again", async () => {
    scaled.token = await login(mx);
    expect(await sentReachesSyncThroughCaddy(mx, "after the reboot")).toBeLessThan(30_000);
    expect(caddyToWorker()).toContain('"caddy"');
  }, 120_000);

  test("workers off: up stops the worker and Redis and removes their units, the main process restarts alone; the history is the same", async () => {
    const before = await history(mx);
    expect(before.map((event) => event.body)).toEqual(["after the reboot", "hello through the worker"]);
    setWorkers(mx, '"off"');
    const started = Date.now();
    const up = JSON.parse(expectOk(mxhome(mx, "up", "--json"), "up with workers off")) as { plan: { actions: { kind: string; process?: string; service?: string; files?: string[] }[] } };
    console.error(`up, workers off: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // (`down` before the reboot paused the timers: this up enables them again.)
    const steps = up.plan.actions.filter((action) => !["write-files", "enable-units"].includes(action.kind)).map((action) => `${action.kind} ${action.process ?? action.service ?? action.files?.join(",") ?? ""}`.trim());
    expect(steps).toEqual([
      "stop-process worker1",
      "stop-process redis",
      "remove-units mxhome-synapse-worker1.container,mxhome-redis.container",
      "daemon-reload",
      "restart synapse",
      "restart caddy",
    ]);
    mx.scale = [];
    await waitHealthy(mx, 120_000);
    expect(await history(mx)).toEqual(before);
    expect(await sentReachesSyncThroughCaddy(mx, "one process again")).toBeLessThan(30_000);
    const quadlets = expectOk(box.run(mx.user, ["ls", `${mx.home}/.config/containers/systemd`]), "ls the quadlet dir");
    expect(quadlets).not.toMatch(/mxhome-redis|mxhome-synapse-worker/);
    expect(systemctl(mx, "show", "--property=LoadState", "--value", ...scaleUnits).stdout.split("\n").filter(Boolean)).toEqual(["not-found", "not-found"]);
    expect(box.run(mx.user, ["podman", "ps", "--format", "{{.Names}}"]).stdout.trim().split("\n").sort()).toEqual(["mxhome-caddy", "mxhome-postgres", "mxhome-synapse"]);
    const status = JSON.parse(expectOk(mxhome(mx, "status", "--json"), "status")) as { workers: unknown[] };
    expect(status.workers).toEqual([]);
  }, 600_000);
});
