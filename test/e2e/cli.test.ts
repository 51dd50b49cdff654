import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { commands } from "../../src/commands/index.ts";
import { freshHome, runMxhome } from "../support/binary.ts";

describe("the compiled binary, alone in an empty directory", () => {
  test("--version prints the package version", () => {
    const result = runMxhome(["--version"], { home: freshHome() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(packageJson.version);
  });

  test("--help lists every subcommand, the global flags and the exit codes", () => {
    const result = runMxhome(["--help"], { home: freshHome() });
    expect(result.exitCode).toBe(0);
    // `complete` is what the shell completion script calls at each Tab, not for people.
    for (const name of Object.keys(commands).filter((name) => name !== "complete")) expect(result.stdout).toMatch(new RegExp(`^\\s+${name}\\s`, "m"));
    expect(result.stdout).not.toMatch(/^\s+complete\s/m);
    for (const flag of ["--config", "--json", "--verbose", "--yes", "--allow-root"]) expect(result.stdout).toContain(flag);
    expect(result.stdout).toContain("4 another run holds the lock");
    expect(result.stdout).not.toContain("\x1b["); // NO_COLOR
  });

  test("does not read .env or bunfig.toml from the working directory", () => {
    const home = freshHome();
    writeFileSync(join(home, ".env"), "MXHOME_CONFIG=/nonexistent/from-dotenv.toml\n");
    writeFileSync(join(home, "bunfig.toml"), 'preload = ["./nope.ts"]\n');
    const result = runMxhome(["init", "--yes", "--server-name", "example.org", "--dry-run"], { home });
    expect(result.stdout + result.stderr).not.toContain("from-dotenv");
    expect(result.exitCode).toBe(0);
  });

  test("unknown commands and options are usage errors (exit 2)", () => {
    const home = freshHome();
    expect(runMxhome(["frobnicate"], { home }).exitCode).toBe(2);
    const mistyped = runMxhome(["stauts"], { home });
    expect(mistyped.exitCode).toBe(2);
    expect(mistyped.stderr).toContain('Unknown command "stauts". Did you mean "status"?');
    const nested = runMxhome(["space", "craete"], { home });
    expect(nested.exitCode).toBe(2);
    expect(nested.stderr).toContain('Did you mean "create"?');
    expect(nested.stderr).toContain("mxhome space create");
    const typo = runMxhome(["init", "--server-nmae", "x.org"], { home });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('Unknown option "--server-nmae"');
  });

  test("a nested command's --help names it in full, with the version", () => {
    const result = runMxhome(["user", "add", "--help"], { home: freshHome() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`(mxhome user add v${packageJson.version})`);
    expect(result.stdout).toContain("USAGE mxhome user add [OPTIONS] <LOCALPART>");
    expect(runMxhome(["space", "--help"], { home: freshHome() }).stdout).toContain("Use mxhome space <command> --help");
    expect(runMxhome(["status", "--help"], { home: freshHome() }).stdout).toContain("USAGE mxhome status");
  });

  test("a missing argument is a usage error (exit 2) naming the command's --help", () => {
    const home = freshHome();
    for (const [args, name] of [[["user", "add"], "LOCALPART"], [["restore"], "ARCHIVE"], [["completion"], "SHELL"]] as const) {
      const result = runMxhome([...args], { home });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`Missing required positional argument: ${name}`);
      expect(result.stderr).toContain(`hint: Run \`mxhome ${args.join(" ")} --help\``);
    }
  });

  test("global flags before a nested command reach it: `mxhome --json user list` is `mxhome user list --json`", () => {
    const home = freshHome();
    const listed = runMxhome(["--json", "user", "list"], { home });
    // Not the `user` help (exit 0): the command itself ran, and found no mxhome.toml.
    expect(listed.stdout).not.toContain("USAGE");
    expect(listed.exitCode).toBe(2);
    expect(listed.stderr).toContain("No config at");
    const missing = runMxhome(["--verbose", "space", "add-room"], { home });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("mxhome space add-room --help");
  });

  test("an unknown key in mxhome.toml is exit 2 naming file and line", () => {
    const home = freshHome();
    const configFile = join(home, ".config", "mxhome", "mxhome.toml");
    mkdirSync(join(home, ".config", "mxhome"), { recursive: true });
    writeFileSync(configFile, '[server]\nserver_name = "x.org"\n\n[retention]\ndayz = 3\n');
    const result = runMxhome(["init", "--yes"], { home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${configFile}:5: unknown key "dayz" in [retention]; did you mean "days"?`);
  });

  test("a malformed mxhome.toml (given with --config) is exit 2 with the line", () => {
    const home = freshHome();
    const configFile = join(home, "elsewhere.toml");
    writeFileSync(configFile, '[server]\nserver_name = "x.org"\nmax_upload = \n');
    const result = runMxhome(["init", "--yes", "--config", configFile], { home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${configFile}:3: TOML syntax error`);
  });

  test("with --json a failure is still one document on stdout, with the code and exit code; the message stays on stderr", () => {
    const home = freshHome();
    const missing = runMxhome(["--json", "user", "list"], { home });
    expect(missing.exitCode).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({
      schemaVersion: 1,
      command: "user list",
      ok: false,
      error: { code: "config.missing", message: expect.stringContaining("No config at"), hint: expect.stringContaining("mxhome init"), exitCode: 2 },
    });
    expect(missing.stderr).toContain("error: No config at");
    expect(runMxhome(["user", "list"], { home }).stdout).toBe(""); // without --json, stdout stays empty
    for (const [args, command, code] of [
      [["stauts", "--json"], "stauts", "usage.unknown-command"],
      [["space", "craete", "--json"], "space craete", "usage.unknown-command"],
      [["user", "add", "--json"], "user add", "usage.missing-argument"],
      [["status", "--json", "--bogus"], "status", "usage.unknown-option"],
    ] as const) {
      const result = runMxhome([...args], { home });
      expect(result.exitCode).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ schemaVersion: 1, command, ok: false, error: { code, exitCode: 2 } });
      expect(result.stderr).toContain("error: ");
    }
  });

  test("with --json a command that fails after its report prints only that report", () => {
    const home = freshHome();
    mkdirSync(join(home, ".config", "mxhome"), { recursive: true });
    writeFileSync(join(home, ".config", "mxhome", "mxhome.toml"), '[server]\nserver_name = "x.org"\n\n[retention]\ndayz = 3\n');
    const result = runMxhome(["status", "--json"], { home });
    expect(result.exitCode).toBe(2);
    const report = JSON.parse(result.stdout); // one document: a second would not parse
    expect(report).toMatchObject({ schemaVersion: 1, command: "status" });
    expect(report.error).toBeUndefined();
    expect(result.stderr).toContain('unknown key "dayz"');
  });

  test("backup with no database running fails with its fix and leaves no backup directory behind", () => {
    const home = freshHome();
    expect(runMxhome(["init", "--yes", "--server-name", "example.org"], { home }).exitCode).toBe(0);
    const dir = join(home, "backups");
    const result = runMxhome(["backup", "--to", dir], { home });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("PostgreSQL is not reachable");
    expect(result.stderr).toContain("mxhome up");
    expect(existsSync(dir)).toBe(false);
  });
});
