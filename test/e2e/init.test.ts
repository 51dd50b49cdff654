import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { totalmem } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { memoryHighForRam } from "../../src/config/resources.ts";
import { freshHome, runMxhome } from "../support/binary.ts";

const serverName = "pc.tail1234.ts.net";

function secretsOf(home: string): string[] {
  const paths = resolvePaths({ HOME: home });
  return Object.values(paths.secrets).map((file) => readFileSync(file, "utf8").trim());
}

describe("mxhome init (compiled binary, as the test user)", () => {
  test("renders everything into an empty HOME, secrets 0600 and never printed", () => {
    const home = freshHome();
    const result = runMxhome(["init", "--yes", "--server-name", serverName], { home });
    expect(result.exitCode).toBe(0);
    const paths = resolvePaths({ HOME: home });
    const { config } = parseConfig(readFileSync(paths.configFile, "utf8"));
    expect(config?.server.server_name).toBe(serverName);
    // The memory ceiling follows this machine's RAM, and the Synapse unit carries it.
    expect(config?.resources.memory_high).toBe(memoryHighForRam(totalmem()));
    expect(readFileSync(join(paths.quadletDir, "mxhome-synapse.container"), "utf8")).toContain(`\nMemoryHigh=${config?.resources.memory_high}\n`);
    for (const file of Object.values(paths.secrets)) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(paths.secretsDir).mode & 0o777).toBe(0o700);
    for (const file of ["homeserver.yaml", "log.config"]) expect(existsSync(join(paths.synapseDir, file))).toBe(true);
    expect(existsSync(join(paths.caddyDir, "Caddyfile"))).toBe(true);
    expect(readdirSync(paths.quadletDir).sort()).toEqual(["mxhome-caddy.container", "mxhome-postgres.container", "mxhome-synapse.container"]);
    expect(readdirSync(paths.systemdUserDir)).toContain("mxhome-purge.timer");
    expect(existsSync(paths.synapseOverridesFile)).toBe(true);
    const everything = result.stdout + result.stderr + readFileSync(paths.configFile, "utf8");
    for (const secret of secretsOf(home)) expect(everything).not.toContain(secret.split(" ").pop()!);
    expect(result.stdout).toContain("can never change");
  });

  test("a second run changes nothing and keeps the secrets", () => {
    const home = freshHome();
    runMxhome(["init", "--yes", "--server-name", serverName], { home });
    const before = secretsOf(home);
    const again = runMxhome(["init", "--yes", "--json"], { home });
    expect(again.exitCode).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.config.action).toBe("unchanged");
    expect(report.files.every((f: { action: string }) => f.action === "unchanged")).toBe(true);
    expect(report.secrets.every((s: { action: string }) => s.action === "keep")).toBe(true);
    expect(secretsOf(home)).toEqual(before);
  });

  test("a hand-edited file is kept without --force and backed up with it", () => {
    const home = freshHome();
    runMxhome(["init", "--yes", "--server-name", serverName], { home });
    const caddyfile = join(resolvePaths({ HOME: home }).caddyDir, "Caddyfile");
    writeFileSync(caddyfile, "# my edit\n");
    const refused = runMxhome(["init", "--yes"], { home });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(caddyfile);
    expect(refused.stderr).toContain("--force");
    expect(readFileSync(caddyfile, "utf8")).toBe("# my edit\n");

    const forced = runMxhome(["init", "--yes", "--force"], { home });
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(caddyfile, "utf8")).toContain("reverse_proxy");
    const backups = readdirSync(join(caddyfile, "..")).filter((n) => n.startsWith("Caddyfile.mxhome-backup-"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(caddyfile, "..", backups[0]!), "utf8")).toBe("# my edit\n");
  });

  test("flags that would change an existing mxhome.toml need --force, which keeps a backup", () => {
    const home = freshHome();
    runMxhome(["init", "--yes", "--server-name", serverName], { home });
    const refused = runMxhome(["init", "--yes", "--max-upload", "20M"], { home });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('server.max_upload: "10M" -> "20M"');
    const forced = runMxhome(["init", "--yes", "--max-upload", "20M", "--force", "--json"], { home });
    expect(forced.exitCode).toBe(0);
    const report = JSON.parse(forced.stdout);
    expect(report.config.action).toBe("replace");
    expect(readFileSync(report.config.backup, "utf8")).toContain('max_upload = "10M"');
    expect(readFileSync(join(resolvePaths({ HOME: home }).synapseDir, "homeserver.yaml"), "utf8")).toContain('max_upload_size: "20M"');
  });

  test("--dry-run lists the changes and writes nothing", () => {
    const home = freshHome();
    const result = runMxhome(["init", "--yes", "--server-name", serverName, "--dry-run"], { home });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("would create");
    expect(readdirSync(home)).toEqual([]);
  });

  test("an invalid server name is exit 2 with the reason, and nothing is written", () => {
    const home = freshHome();
    const result = runMxhome(["init", "--yes", "--server-name", "https://pc.tail1234.ts.net/"], { home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("remove the scheme");
    expect(readdirSync(home)).toEqual([]);
  });

  test.each([
    ["an upload size without a unit (Synapse would read bytes)", ["--max-upload", "10"], ["--max-upload \"10\" is invalid", "add a unit: 10K, 10M or 10G"]],
    ["three equal ports", ["--synapse-port", "9000", "--caddy-port", "9000", "--postgres-port", "9000"], ["network.caddy_port = 9000 is the same port as network.synapse_port", "network.postgres_port = 9000"]],
    ["a port in the server name", ["--server-name", "pc.tail1234.ts.net:8448"], ["remove the port", "skip .well-known", "Funnel serves only 443"]],
  ])("init refuses %s: exit 2, nothing written", (_name, flags, messages) => {
    const home = freshHome();
    const result = runMxhome(["init", "--yes", "--server-name", serverName, ...flags], { home });
    expect(result.exitCode).toBe(2);
    for (const message of messages) expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("1048576");
    expect(readdirSync(home)).toEqual([]);
  });

  test("a server name with a port stays allowed for localhost and IP literals (test and LAN setups)", () => {
    for (const name of ["localhost:8448", "127.0.0.1:8448", "[::1]:8448"]) {
      expect(runMxhome(["init", "--yes", "--server-name", name, "--dry-run"], { home: freshHome() }).exitCode).toBe(0);
    }
  });

  test.each([
    ["an upload size without a unit", 'max_upload = "10"', 3, 'server.max_upload = "10" is invalid'],
    ["a port in the server name", "", 2, `server.server_name = "${serverName}:8448" is invalid: remove the port`],
    ["two equal ports", "[network]\nsynapse_port = 9000\ncaddy_port = 9000", 5, "network.caddy_port = 9000 is the same port as network.synapse_port"],
  ])("an edited mxhome.toml with %s is exit 2 naming file:line", (name, extra, line, message) => {
    const home = freshHome();
    const configFile = join(home, ".config", "mxhome", "mxhome.toml");
    mkdirSync(join(home, ".config", "mxhome"), { recursive: true });
    const server = name.includes("port in") ? `${serverName}:8448` : serverName;
    writeFileSync(configFile, `[server]\nserver_name = "${server}"\n${extra}\n`);
    for (const command of [["init", "--yes"], ["up", "--dry-run"]]) {
      const result = runMxhome(command, { home });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`${configFile}:${line}: ${message}`);
    }
  });

  test("init --help lists sizes with a unit only", () => {
    const help = runMxhome(["init", "--help"], { home: freshHome() }).stdout;
    expect(help).toMatch(/--max-upload[^\n]*with a unit K, M or G/);
    expect(help).not.toContain("1048576");
  });

  test.skipIf(process.getuid?.() === 0)("an unwritable target directory is exit 2 and nothing is half-written", () => {
    const home = freshHome();
    mkdirSync(join(home, ".local", "share"), { recursive: true });
    chmodSync(join(home, ".local", "share"), 0o555);
    const result = runMxhome(["init", "--yes", "--server-name", serverName], { home });
    chmodSync(join(home, ".local", "share"), 0o755);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("not writable");
    expect(existsSync(join(home, ".config"))).toBe(false);
    expect(readdirSync(join(home, ".local", "share"))).toEqual([]);
  });

  test("without --server-name the Funnel host from `tailscale status --json` is the default", () => {
    const home = freshHome();
    const bin = join(home, "bin");
    mkdirSync(bin);
    const fixture = join(import.meta.dir, "..", "fixtures", "tailscale", "status-running.json");
    writeFileSync(join(bin, "tailscale"), `#!/bin/sh\n[ "$1 $2" = "status --json" ] && exec cat ${JSON.stringify(fixture)}\nexit 1\n`);
    chmodSync(join(bin, "tailscale"), 0o755);
    const result = runMxhome(["init", "--yes", "--json"], { home, env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).serverName).toBe("desktop.tail1234.ts.net");
  });

  test("without --server-name and without tailscale, the flag is asked for (exit 2)", () => {
    const result = runMxhome(["init", "--yes"], { home: freshHome(), env: { PATH: "/usr/bin:/bin" } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--server-name is required");
    // What to pass, not only that it is missing.
    expect(result.stderr).toContain("--server-name <machine>.<tailnet>.ts.net");
  });
});
