import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compile, releasePublicKeyOf } from "../../scripts/build.ts";
import { release } from "../../scripts/release.ts";
import { formatManifest, formatSums, manifestFileName, signatureFileName, sumsFileName } from "../../src/upgrade/release-files.ts";
import { signRelease } from "../../src/upgrade/signature.ts";
import { mxhomeBinary, runMxhomeAsync } from "../support/binary.ts";
import { throwawayReleaseKey } from "../support/release-key.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * `mxhome upgrade --self` end to end: a binary built with a throwaway key's
 * public half (version 1.0.0) upgrades from release directories made by
 * `npm run release` (x64 only: the release test covers arm64), served by a
 * loopback HTTP server or read as a plain directory. Each tampered variant
 * must change nothing; a good one is swapped in, and the timers' command
 * line then runs the new binary against a real server.
 */
const installedVersion = "1.0.0";
const newerVersion = "1.1.0";
const olderVersion = "0.9.0";
const binaryName = "mxhome-linux-x64";

let root = "";
let releases = "";
let installed = "";
let home = "";
let http: ReturnType<typeof Bun.serve>;
let baseUrl = "";

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** A copy of `good` where only `binary` differs (or nothing, with the signature redone by `signWith`). */
function variant(name: string, options: { binary?: (bytes: Buffer) => Buffer; resign?: string; signWith?: string }): void {
  const good = join(releases, "good");
  const dir = join(releases, name);
  mkdirSync(dir);
  for (const file of readdirSync(good)) if (file !== binaryName || !options.binary) linkSync(join(good, file), join(dir, file));
  if (options.binary) writeFileSync(join(dir, binaryName), options.binary(readFileSync(join(good, binaryName))), { mode: 0o755 });
  if (options.resign) {
    // A release whose files all agree and whose signature is genuine: only the contents are wrong.
    const binary = join(dir, binaryName);
    const asset = { name: binaryName, sha256: sha256(binary), size: statSync(binary).size };
    rmSync(join(dir, manifestFileName));
    writeFileSync(join(dir, manifestFileName), formatManifest(newerVersion, { "linux-x64": asset }));
    const sums = formatSums([asset, { name: manifestFileName, sha256: sha256(join(dir, manifestFileName)) }]);
    for (const file of [sumsFileName, signatureFileName]) rmSync(join(dir, file));
    writeFileSync(join(dir, sumsFileName), sums);
    writeFileSync(join(dir, signatureFileName), signRelease(Buffer.from(sums), readFileSync(options.resign)));
  }
  if (options.signWith) {
    rmSync(join(dir, signatureFileName));
    writeFileSync(join(dir, signatureFileName), signRelease(readFileSync(join(dir, sumsFileName)), readFileSync(options.signWith)));
  }
}

/** A fresh copy of the 1.0.0 binary, alone in its own directory, as a user installs it. */
function install(): string {
  const dir = mkdtempSync(join(root, "bin-"));
  const binary = join(dir, "mxhome");
  copyFileSync(installed, binary);
  chmodSync(binary, 0o755);
  return binary;
}

const run = (binary: string, ...args: string[]) => runMxhomeAsync(args, { home, binary });

/** The refusal contract: exit 1, the reason, and the directory exactly as it was. */
async function expectRefused(binary: string, args: string[], reason: RegExp): Promise<void> {
  const before = sha256(binary);
  const result = await run(binary, "upgrade", "--self", ...args);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).toContain("Nothing was changed");
  expect(result.exitCode).toBe(1);
  expect(sha256(binary)).toBe(before);
  expect(readdirSync(dirname(binary))).toEqual(["mxhome"]);
  expect((await run(binary, "--version")).stdout.trim()).toBe(installedVersion);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "mxhome-upgrade-"));
  home = join(root, "home");
  mkdirSync(home);
  releases = join(root, "releases");
  const key = throwawayReleaseKey();
  const otherKey = throwawayReleaseKey();
  installed = join(root, "installed", "mxhome");
  compile(installed, undefined, { releasePublicKey: releasePublicKeyOf(key.publicKeyFile), version: installedVersion });
  release(join(releases, "good"), { signingKey: key.privateKeyFile, arches: ["linux-x64"], version: newerVersion });
  release(join(releases, "older"), { signingKey: key.privateKeyFile, arches: ["linux-x64"], version: olderVersion });
  variant("other-signer", { signWith: otherKey.privateKeyFile });
  variant("altered", {
    binary: (bytes) => {
      const altered = Buffer.from(bytes);
      altered[altered.length - 100] = altered[altered.length - 100]! ^ 0xff;
      return altered;
    },
  });
  variant("truncated", { binary: (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)) });
  // The same x64 program, its ELF header saying aarch64 (EM_AARCH64 = 183), genuinely signed.
  variant("other-arch", {
    binary: (bytes) => {
      const arm = Buffer.from(bytes);
      arm.writeUInt16LE(183, 18);
      return arm;
    },
    resign: key.privateKeyFile,
  });
  // Loopback only. /dropped/ announces the whole binary, sends half, then closes the connection.
  http = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const [, dir = "", name = ""] = new URL(request.url).pathname.split("/");
      if (dir === "dropped" && name === binaryName) {
        const whole = readFileSync(join(releases, "good", name));
        const half = whole.subarray(0, whole.length / 2);
        let sent = false;
        const body = new ReadableStream({
          async pull(controller) {
            if (!sent) {
              sent = true;
              return controller.enqueue(half);
            }
            await Bun.sleep(200);
            controller.error(new Error("connection lost (on purpose)"));
          },
        });
        return new Response(body, { headers: { "content-length": String(whole.length) } });
      }
      const file = join(releases, dir === "dropped" ? "good" : dir, name);
      return existsSync(file) && !name.includes("..") ? new Response(Bun.file(file)) : new Response("not found", { status: 404 });
    },
  });
  baseUrl = `http://127.0.0.1:${http.port}`;
}, 180_000);

afterAll(() => {
  http?.stop(true);
  rmSync(root, { recursive: true, force: true });
});

describe("mxhome upgrade --self refuses, changing nothing", () => {
  test("no source: exit 2 naming [upgrade] release_url and --from", async () => {
    const binary = install();
    const result = await run(binary, "upgrade", "--self");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("[upgrade] release_url");
    expect(result.stderr).toContain("--from");
  });

  test("a build without a release key (like `npm run build`) trusts nothing", async () => {
    const keyless = join(mkdtempSync(join(root, "keyless-")), "mxhome");
    copyFileSync(mxhomeBinary(), keyless);
    chmodSync(keyless, 0o755);
    const result = await run(keyless, "upgrade", "--self", "--from", join(releases, "good"));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("built without a release key");
    expect(readdirSync(dirname(keyless))).toEqual(["mxhome"]);
  });

  test("a signature by another key", async () => {
    await expectRefused(install(), ["--from", `${baseUrl}/other-signer`], /SHA256SUMS\.sig .* is not a signature .* by the key this mxhome trusts/);
  });

  test("a binary that does not match the signed checksum", async () => {
    await expectRefused(install(), ["--from", `${baseUrl}/altered`], /has SHA-256 [0-9a-f]{64} .* not the signed [0-9a-f]{64}/);
  });

  test("a truncated file, over HTTP and in a directory", async () => {
    await expectRefused(install(), ["--from", `${baseUrl}/truncated`], /stopped after \d+ of \d+ bytes \(truncated\)/);
    await expectRefused(install(), ["--from", join(releases, "truncated")], /stopped after \d+ of \d+ bytes \(truncated\)/);
  });

  test("a connection that drops mid-download", async () => {
    await expectRefused(install(), ["--from", `${baseUrl}/dropped`], /stopped after \d+ of \d+ bytes \(truncated\)/);
  });

  test("another architecture's file, even when genuinely signed", async () => {
    await expectRefused(install(), ["--from", `${baseUrl}/other-arch`], /mxhome-linux-x64 is built for arm64, and this machine is x64/);
  });

  test("an older version unless --allow-downgrade", async () => {
    const binary = install();
    await expectRefused(binary, ["--from", `${baseUrl}/older`], /offered is 0\.9\.0, older than this mxhome \(1\.0\.0\)/);
    expect((await run(binary, "upgrade", "--self", "--from", `${baseUrl}/older`)).stderr).toContain("--allow-downgrade");
    const result = await run(binary, "upgrade", "--self", "--allow-downgrade", "--from", `${baseUrl}/older`);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("downgraded 1.0.0 -> 0.9.0");
    expect((await run(binary, "--version")).stdout.trim()).toBe(olderVersion);
  });

  test("a source that does not exist: exit 1 naming it", async () => {
    const binary = install();
    const result = await run(binary, "upgrade", "--self", "--from", `${baseUrl}/nowhere`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${baseUrl}/nowhere/SHA256SUMS: HTTP 404`);
  });
});

describe("mxhome upgrade --self from a plain directory", () => {
  test("--check says a newer one exists; the upgrade swaps it in and keeps mxhome.previous", async () => {
    const binary = install();
    const from = join(releases, "good");
    const check = await run(binary, "upgrade", "--check", "--json", "--from", from);
    expect(check.exitCode).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ command: "upgrade", check: true, self: { current: "1.0.0", latest: "1.1.0", step: "newer" } });
    expect((await run(binary, "upgrade", "--check", "--from", from)).stdout).toContain("A newer mxhome exists: 1.1.0");

    const result = await run(binary, "upgrade", "--self", "--from", from);
    expect(result.stderr).toContain("Downloading mxhome-linux-x64 1.1.0"); // progress on stderr, the report on stdout
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("upgraded 1.0.0 -> 1.1.0");
    expect((await run(binary, "--version")).stdout.trim()).toBe(newerVersion);
    expect(sha256(binary)).toBe(sha256(join(from, binaryName)));
    expect(sha256(`${binary}.previous`)).toBe(sha256(installed));
    expect(statSync(binary).mode & 0o777).toBe(0o755);
    expect(readdirSync(dirname(binary)).sort()).toEqual(["mxhome", "mxhome.previous"]);

    const again = await run(binary, "upgrade", "--self", "--json", "--from", from);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout).self).toMatchObject({ outcome: "up-to-date", step: "same" });
  });

  test("a directory mxhome may not write: the exact sudo install command, nothing changed", async () => {
    const binary = install();
    const dir = dirname(binary);
    chmodSync(dir, 0o555);
    try {
      const result = await run(binary, "upgrade", "--self", "--from", join(releases, "good"));
      expect(result.exitCode).toBe(1);
      const command = /hint: Install it with:\n\s+(sudo .*)\n/.exec(result.stderr)?.[1];
      expect(command).toMatch(new RegExp(`^sudo cp -p ${binary} ${binary}\\.previous && sudo install -m 0755 \\S+ ${binary}$`));
      expect(readdirSync(dir)).toEqual(["mxhome"]);
      expect(sha256(binary)).toBe(sha256(installed));
      // The command does what it says (run here without sudo, the directory made writable again).
      chmodSync(dir, 0o755);
      expect(Bun.spawnSync(["sh", "-c", command!.replaceAll("sudo ", "")]).exitCode).toBe(0);
      expect((await run(binary, "--version")).stdout.trim()).toBe(newerVersion);
      expect(sha256(`${binary}.previous`)).toBe(sha256(installed));
      // install copied it; the verified download's private directory is the user's to remove.
      const staged = / install -m 0755 (\S+) /.exec(command!)![1]!;
      rmSync(dirname(staged), { recursive: true });
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe("mxhome upgrade --self over HTTP, with a deployment", () => {
  let server: TestServer;
  let serverHome = "";

  beforeAll(async () => {
    server = await startTestServer({ configure: (config) => (config.upgrade.release_url = `${baseUrl}/good`) });
    serverHome = dirname(dirname(server.paths.configDir));
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  test("from [upgrade] release_url; the timers then run the new binary, and its purge works", async () => {
    const binary = install();
    const purgeUnit = join(server.paths.systemdUserDir, "mxhome-purge.service");
    expect(readFileSync(purgeUnit, "utf8")).toContain("ExecStart=/usr/local/bin/mxhome purge --yes");

    const check = await runMxhomeAsync(["upgrade", "--check"], { home: serverHome, binary });
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toContain(`newest release at ${baseUrl}/good: 1.1.0`);

    const result = await runMxhomeAsync(["upgrade", "--self", "--json"], { home: serverHome, binary });
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.self).toMatchObject({ outcome: "upgraded", current: "1.0.0", latest: "1.1.0", previous: `${binary}.previous` });
    expect(document.self.unitsRewritten).toContain(purgeUnit);
    expect((await runMxhomeAsync(["--version"], { home: serverHome, binary })).stdout.trim()).toBe(newerVersion);

    // What systemd would run when the purge timer fires, run here as the same user.
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(purgeUnit, "utf8"))![1]!;
    expect(execStart).toBe(`${binary} purge --yes`);
    const timerRun = await runMxhomeAsync(execStart.split(" ").slice(1), { home: serverHome, binary: execStart.split(" ")[0] });
    expect(timerRun.stderr).not.toContain("error");
    expect(timerRun.exitCode).toBe(0);
    // The kick timer's unit moved too; `up` finds nothing to rewrite.
    expect(readFileSync(join(server.paths.systemdUserDir, "mxhome-kick.service"), "utf8")).toContain(`ExecStart=${binary} kick`);
  }, 120_000);
});
