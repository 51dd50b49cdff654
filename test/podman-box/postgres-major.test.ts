import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compileArgs } from "../../scripts/build.ts";
import { images } from "../../src/render/images.ts";
import { mxhomeBinary } from "../support/binary.ts";
import { boxUsers, type PodmanBox, sharedBox } from "../support/podman-box.ts";
import { freePort } from "../support/ports.ts";
import { renderTestOverrides } from "../support/server-setup.ts";

/**
 * `mxhome upgrade`, a PostgreSQL major (15 → 17), in the podman box, for both
 * runtimes. The old major is Debian bookworm's PostgreSQL 15 (provisioning
 * unpacks its packages into the `postgres:15-alpine` stand-in image,
 * scripts/podman-box/Containerfile.postgres15):
 * - podman: an mxhome built with that image pinned (scripts/build.ts
 *   --postgres-image) deploys; this mxhome's `up` refuses, `upgrade` moves
 *   the data to the 17 stand-in;
 * - native: inside a container of that image, which holds both majors'
 *   programs (/usr/lib/postgresql/{15,17}), Synapse and Caddy: a cluster
 *   made by 15 is upgraded to 17, the newest installed major; HOME is a
 *   small tmpfs, so a shortage of disk is refused first.
 *
 * Runs as the box's second user, left as it was found (runtime.test.ts
 * restores into its fresh HOME).
 */
const user = "mx2";
const home = `/home/${user}`;
const password = "box-pg-major-password-1";
const olderImage = "docker.io/library/postgres:15-alpine";
const dataDir = `${home}/.local/share/mxhome/postgres`;

let box: PodmanBox;
/** The older mxhome, compiled while the native half runs (it needs only this one). */
let olderBuilt: Promise<string>;

const as = (argv: string[], timeoutMs = 900_000) => box.run(user, argv, { timeoutMs });
function ok(result: { exitCode: number; stdout: string; stderr: string }, what: string): string {
  if (result.exitCode !== 0) throw new Error(`${what} failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
const exists = (path: string) => as(["test", "-e", path]).exitCode === 0;

/** A file in the box user's HOME, as that user would write it. */
function put(boxPath: string, content: string, mode = 0o644): void {
  ok(as(["mkdir", "-p", dirname(boxPath)]), `mkdir ${dirname(boxPath)}`);
  writeFileSync(join(box.dir, boxPath), content, { mode });
  chownSync(join(box.dir, boxPath), boxUsers[user], boxUsers[user]);
}

/** Back to a fresh user: no containers, secrets, units or mxhome files (the postgres files belong to a subordinate uid). */
function resetUser(): void {
  as(["mxhome", "down"], 300_000);
  as(["podman", "rm", "--all", "--force", "--time", "5"]);
  as(["podman", "secret", "rm", "--all"]);
  as(["sh", "-c", "rm -f ~/.config/containers/systemd/mxhome-* ~/.config/systemd/user/mxhome-* && systemctl --user daemon-reload"]);
  ok(as(["podman", "unshare", "rm", "-rf", `${home}/.config/mxhome`, `${home}/.local/share/mxhome`, `${home}/.local/state/mxhome`]), "clean the user's files");
}

interface Matrix {
  token: string;
  roomId: string;
}

async function client<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const messages = ["before the upgrade 1", "before the upgrade 2", "before the upgrade 3"];

async function writeData(base: string): Promise<Matrix> {
  const login = { type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password };
  const token = (await client<{ access_token: string }>(base, "POST", "/_matrix/client/v3/login", login)).access_token;
  const roomId = (await client<{ room_id: string }>(base, "POST", "/_matrix/client/v3/createRoom", { name: "kept" }, token)).room_id;
  for (const [index, body] of messages.entries()) {
    await client(base, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/m${index}`, { msgtype: "m.text", body }, token);
  }
  return { token, roomId };
}

/** The messages are there, read with the token made before the upgrade (so sessions survived too), and a new login works. */
async function expectData(base: string, data: Matrix): Promise<void> {
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(data.roomId)}/messages?dir=b&limit=50`;
  const page = await client<{ chunk: { type: string; content: { body?: string } }[] }>(base, "GET", path, undefined, data.token);
  const bodies = page.chunk.filter((event) => event.type === "m.room.message").map((event) => event.content.body);
  expect(bodies.reverse()).toEqual(messages);
  const login = { type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password };
  expect((await client<{ access_token: string }>(base, "POST", "/_matrix/client/v3/login", login)).access_token).toBeTruthy();
}

beforeAll(async () => {
  const older = join(mkdtempSync(join(tmpdir(), "mxhome-pg15-")), "mxhome");
  const build = Bun.spawn(compileArgs(older, undefined, { postgresImage: olderImage }), { stdout: "ignore", stderr: "pipe" });
  olderBuilt = build.exited.then(async (code) => {
    if (code !== 0) throw new Error(`building the older mxhome failed: ${await new Response(build.stderr).text()}`);
    return older;
  });
  olderBuilt.catch(() => undefined); // awaited by the podman half
  mxhomeBinary();
  box = await sharedBox();
  // runtime.test.ts stops the shared box when it ends: a later suite boots the same copy again.
  try {
    box.root(["true"]);
  } catch {
    await box.boot();
    // Its servers came back with the boot (linger): the first user's is not needed here.
    box.run("mx", ["mxhome", "down"], { timeoutMs: 300_000 });
  }
  box.install(mxhomeBinary(), "/usr/local/bin/mxhome");
  resetUser();
}, 900_000);

afterAll(() => {
  if (box) resetUser();
}, 600_000);

describe("native: a cluster made by PostgreSQL 15, upgraded to 17 (both installed)", () => {
  const container = "mxhome-native-pg";
  const work = "/work";
  const nativeData = `${work}/.local/share/mxhome/postgres`;
  const ports = { synapse: 0, caddy: 0, postgres: 0 };
  let base = "";
  let data: Matrix;
  // Inside the container: PostgreSQL 15's programs first on PATH, as before a distribution upgrade; then none on PATH (17 is the newest in /usr/lib/postgresql).
  const oldPath = "PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin";
  const newPath = "PATH=/usr/local/bin:/usr/bin:/bin";
  const inside = (path: string, argv: string[], input?: string) =>
    box.run(user, ["podman", "exec", ...(input === undefined ? [] : ["-i"]), "--env", `HOME=${work}`, "--env", path, "--env", "NO_COLOR=1", container, ...argv], { input, timeoutMs: 900_000 });

  test("up with PostgreSQL 15 in a container holding both majors, Synapse and Caddy (HOME a 1 GB tmpfs)", async () => {
    Object.assign(ports, { synapse: await freePort(), caddy: await freePort(), postgres: await freePort() });
    base = `http://127.0.0.1:${ports.synapse}`;
    ok(
      as(["podman", "run", "--detach", "--rm", "--name", container, "--network=host", "--user=70:70", "--tmpfs", `${work}:rw,exec,size=1g,mode=1777`, "--volume=/usr/local/bin/mxhome:/usr/local/bin/mxhome:ro", "--entrypoint=/bin/sleep", olderImage, "infinity"]),
      "podman run",
    );
    ok(inside(oldPath, ["sh", "-c", `mkdir -p ${work}/.config/mxhome && cat > ${work}/.config/mxhome/homeserver.overrides.yaml`], renderTestOverrides()), "overrides");
    ok(inside(oldPath, ["sh", "-c", `umask 077 && cat > ${work}/password`], `${password}\n`), "password file");
    const portArgs = ["--synapse-port", `${ports.synapse}`, "--caddy-port", `${ports.caddy}`, "--postgres-port", `${ports.postgres}`];
    ok(inside(oldPath, ["mxhome", "init", "--yes", "--runtime", "native", "--server-name", "native-pg.test", ...portArgs]), "init");
    ok(inside(oldPath, ["sed", "-i", 's|^python = ""$|python = "/opt/synapse/bin/python"|', `${work}/.config/mxhome/mxhome.toml`]), "python = the image's Synapse");
    ok(inside(oldPath, ["mxhome", "up", "--password-file", `${work}/password`]), "up");
    expect(ok(inside(oldPath, ["cat", `${nativeData}/PG_VERSION`]), "PG_VERSION").trim()).toBe("15");
    data = await writeData(base);
  }, 900_000);

  test("upgrade --check names the newest installed major; too little disk is refused before anything changes", () => {
    const check = JSON.parse(ok(inside(newPath, ["mxhome", "upgrade", "--check", "--json"]), "--check")) as { deployment: { steps: { component: string; kind: string; to?: string }[] } };
    expect(check.deployment.steps.find((step) => step.component === "postgres")).toMatchObject({ kind: "major", to: "17" });
    // Leave about 200 MB of the tmpfs free: less than archive + dump + new cluster + the margin.
    const free = Number(ok(inside(newPath, ["df", "--output=avail", "-B1", work]), "df").trim().split("\n").pop());
    ok(inside(newPath, ["fallocate", "-l", `${free - 200 * 1024 ** 2}`, `${work}/filler`]), "fill the tmpfs");
    const refused = inside(newPath, ["mxhome", "upgrade", "--yes"]);
    ok(inside(newPath, ["rm", `${work}/filler`]), "remove the filler");
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("Not enough free disk");
    expect(refused.stderr).toContain("the new PostgreSQL 17 cluster");
    expect(ok(inside(newPath, ["cat", `${nativeData}/PG_VERSION`]), "PG_VERSION").trim()).toBe("15");
    expect(inside(newPath, ["test", "-e", `${nativeData}-15.old`]).exitCode).not.toBe(0);
  }, 300_000);

  test("without PostgreSQL 15's programs (a distribution upgrade removed them) it refuses, naming the package", () => {
    const asRoot = (script: string) => ok(box.run(user, ["podman", "exec", "--user=0", container, "sh", "-c", script]), script);
    asRoot("mv /usr/lib/postgresql/15 /usr/lib/postgresql-15.away");
    let refused: { exitCode: number; stdout: string; stderr: string };
    try {
      refused = inside(newPath, ["mxhome", "upgrade", "--yes"]);
    } finally {
      asRoot("mv /usr/lib/postgresql-15.away /usr/lib/postgresql/15");
    }
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("PostgreSQL 15, whose programs (pg_ctl, pg_dump) are not installed any more");
    expect(refused.stderr).toContain("sudo apt install postgresql-15");
    expect(ok(inside(newPath, ["cat", `${nativeData}/PG_VERSION`]), "PG_VERSION").trim()).toBe("15");
  }, 120_000);

  test("a load that fails goes back: PostgreSQL 15 on its directory again, Synapse healthy, the data there; it says what happened", async () => {
    // PostgreSQL 17's pg_restore fails, as a broken load would (container root may change the image's files).
    const restore = "/usr/lib/postgresql/17/bin/pg_restore";
    const swap = (script: string) => ok(box.run(user, ["podman", "exec", "--user=0", container, "sh", "-c", script]), "swap pg_restore");
    swap(`mv ${restore} ${restore}.real && printf '#!/bin/sh\necho "pg_restore: error: injected by the test" >&2\nexit 1\n' > ${restore} && chmod 755 ${restore}`);
    let failed: { exitCode: number; stdout: string; stderr: string };
    try {
      failed = inside(newPath, ["mxhome", "upgrade", "--yes"]);
    } finally {
      swap(`mv ${restore}.real ${restore}`);
    }
    expect(failed.exitCode).toBe(1);
    // Not a terminal: the arrow is ASCII.
    expect(failed.stderr).toContain("PostgreSQL 15 -> 17 failed: PostgreSQL: pg_restore failed");
    expect(failed.stderr).toContain("injected by the test");
    expect(failed.stderr).toContain(`moved ${nativeData}-15.old back to ${nativeData}`);
    expect(failed.stderr).toContain("started Synapse again");
    expect(ok(inside(newPath, ["cat", `${nativeData}/PG_VERSION`]), "PG_VERSION").trim()).toBe("15");
    expect(inside(newPath, ["test", "-e", `${nativeData}-15.old`]).exitCode).not.toBe(0);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    await expectData(base, data);
  }, 600_000);

  test("upgrade --yes: the cluster is PostgreSQL 17's, the old one kept until --forget-old-postgres; data and sessions kept", async () => {
    const started = Date.now();
    const report = JSON.parse(ok(inside(newPath, ["mxhome", "upgrade", "--yes", "--json"]), "upgrade --yes")) as { deployment: { outcome: string; postgresMajor: { from: string; to: string } } };
    console.error(`native: upgrade 15 → 17 took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(report.deployment).toMatchObject({ outcome: "upgraded", postgresMajor: { from: "15", to: "17" } });
    expect(ok(inside(newPath, ["cat", `${nativeData}/PG_VERSION`]), "PG_VERSION").trim()).toBe("17");
    expect(ok(inside(newPath, ["cat", `${nativeData}-15.old/PG_VERSION`]), "old PG_VERSION").trim()).toBe("15");
    await expectData(base, data);
    ok(inside(newPath, ["mxhome", "upgrade", "--forget-old-postgres"]), "forget");
    expect(inside(newPath, ["test", "-e", `${nativeData}-15.old`]).exitCode).not.toBe(0);
    inside(newPath, ["mxhome", "down"]);
    as(["podman", "rm", "--force", "--time", "5", container]);
  }, 900_000);
});

describe("podman: PostgreSQL 15 → 17 (stand-in images)", () => {
  const ports = { synapse: 0, caddy: 0, postgres: 0 };
  let base = "";
  let data: Matrix;

  test("an mxhome that pins postgres:15 deploys; this mxhome's up refuses the major and names mxhome upgrade", async () => {
    box.install(await olderBuilt, "/usr/local/bin/mxhome-pg15");
    Object.assign(ports, { synapse: await freePort(), caddy: await freePort(), postgres: await freePort() });
    base = `http://127.0.0.1:${ports.caddy}`;
    put(`${home}/.config/mxhome/homeserver.overrides.yaml`, renderTestOverrides());
    put(`${home}/password`, `${password}\n`, 0o600);
    const portArgs = ["--synapse-port", `${ports.synapse}`, "--caddy-port", `${ports.caddy}`, "--postgres-port", `${ports.postgres}`];
    ok(as(["mxhome-pg15", "init", "--yes", "--server-name", "pg.test", ...portArgs]), "init (older mxhome)");
    ok(as(["mxhome-pg15", "up", "--password-file", `${home}/password`]), "up (older mxhome)");
    expect(ok(as(["podman", "exec", "mxhome-postgres", "postgres", "--version"]), "postgres --version")).toContain("(PostgreSQL) 15.");
    data = await writeData(base);

    const up = as(["mxhome", "up"]);
    expect(up.exitCode).not.toBe(0);
    expect(up.stderr).toContain("mxhome upgrade");
    expect(ok(as(["cat", `${home}/.config/containers/systemd/mxhome-postgres.container`]), "read the unit")).toContain(`Image=${olderImage}`);
  }, 900_000);

  test("--check and --dry-run name the major and change nothing; without --yes (no terminal) it is refused", () => {
    const check = JSON.parse(ok(as(["mxhome", "upgrade", "--check", "--json"]), "upgrade --check")) as { deployment: { steps: { component: string; kind: string }[] } };
    expect(check.deployment.steps.find((step) => step.component === "postgres")?.kind).toBe("major");
    const dry = as(["mxhome", "upgrade", "--dry-run"]);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`move ${dataDir} aside to ${dataDir}-15.old (kept)`);
    expect(dry.stdout).toContain("the new PostgreSQL 17 cluster");
    const refused = as(["mxhome", "upgrade"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect(exists(`${dataDir}-15.old`)).toBe(false);
    expect(ok(as(["podman", "exec", "mxhome-postgres", "postgres", "--version"]), "postgres --version")).toContain("(PostgreSQL) 15.");
  }, 300_000);

  test("a new image that does not start goes back: PostgreSQL 15's unit and cluster again, Synapse healthy, up as before", async () => {
    // The 17 name on Caddy's stand-in for a moment: its container has no `postgres` to run.
    const real = ok(as(["podman", "image", "inspect", "--format", "{{.Id}}", images.postgres]), "image id").trim();
    ok(as(["podman", "tag", images.caddy, images.postgres]), "tag a broken 17");
    let failed: { exitCode: number; stdout: string; stderr: string };
    try {
      failed = as(["mxhome", "upgrade", "--yes"]);
    } finally {
      ok(as(["podman", "tag", real, images.postgres]), "tag the real 17 again");
    }
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain("PostgreSQL 15 -> 17 failed: mxhome-postgres.service did not come up");
    expect(failed.stderr).toContain(`moved ${dataDir}-15.old back to ${dataDir}; started PostgreSQL 15 again; started Synapse again`);
    expect(ok(as(["cat", `${home}/.config/containers/systemd/mxhome-postgres.container`]), "read the unit")).toContain(`Image=${olderImage}`);
    expect(ok(as(["podman", "exec", "mxhome-postgres", "postgres", "--version"]), "postgres --version")).toContain("(PostgreSQL) 15.");
    expect(exists(`${dataDir}-15.old`)).toBe(false);
    await expectData(base, data);
    // The old unit is back as mxhome wrote it (no hand edit): up refuses only the major, as before.
    const up = as(["mxhome", "up"]);
    expect(up.stderr).toContain("mxhome upgrade");
    expect(up.stderr).not.toContain("edited by hand");
  }, 600_000);

  test("upgrade --yes: dump, the old directory kept, PostgreSQL 17 with the same rows; Synapse healthy, data and sessions kept", async () => {
    const started = Date.now();
    const upgraded = as(["mxhome", "upgrade", "--yes", "--json"]);
    console.error(`podman: upgrade 15 → 17 took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const report = JSON.parse(ok(upgraded, "upgrade --yes")) as { deployment: { outcome: string; backup: string; postgresMajor: { counts: Record<string, number>; oldDir: string } } };
    expect(report.deployment.outcome).toBe("upgraded");
    expect(report.deployment.backup).toContain("pre-upgrade");
    expect(report.deployment.postgresMajor.oldDir).toBe(`${dataDir}-15.old`);
    expect(report.deployment.postgresMajor.counts.events).toBeGreaterThan(messages.length);
    expect(ok(as(["podman", "exec", "mxhome-postgres", "postgres", "--version"]), "postgres --version")).toContain("(PostgreSQL) 17.");
    expect(ok(as(["cat", `${home}/.config/containers/systemd/mxhome-postgres.container`]), "read the unit")).toContain(`Image=${images.postgres}`);
    expect(ok(as(["podman", "unshare", "cat", `${dataDir}-15.old/PG_VERSION`]), "the old PG_VERSION").trim()).toBe("15");
    const collation = ok(as(["podman", "exec", "mxhome-postgres", "psql", `--port=${ports.postgres}`, "--username=synapse", "--tuples-only", "--no-align", "--dbname=synapse", "--command", "SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'synapse'"]), "collation");
    expect(collation.trim()).toBe("C|C|UTF8");
    await expectData(base, data);
    // This mxhome's up has nothing left to refuse.
    ok(as(["mxhome", "up"]), "up after the upgrade");
  }, 900_000);

  test("--forget-old-postgres removes the old directory, and only it (doctor named it until then)", () => {
    const doctor = JSON.parse(as(["mxhome", "doctor", "--json"]).stdout) as { checks: { id: string; status: string; detail: string }[] };
    expect(doctor.checks.find((check) => check.id === "versions")).toMatchObject({ status: "info", detail: expect.stringContaining(`kept at ${dataDir}-15.old`) });
    const forget = JSON.parse(ok(as(["mxhome", "upgrade", "--forget-old-postgres", "--json"]), "forget")) as { forgetOldPostgres: { removed: string } };
    expect(forget.forgetOldPostgres.removed).toBe(`${dataDir}-15.old`);
    expect(exists(`${dataDir}-15.old`)).toBe(false);
    expect(exists(dataDir)).toBe(true);
    expect(as(["mxhome", "upgrade", "--forget-old-postgres"]).stderr).toContain("No old PostgreSQL data directory is recorded");
  }, 120_000);
});
