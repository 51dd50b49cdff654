import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Loaded {
  packages: string[];
  sources: string[];
}

function loaded(args: string[], env: Record<string, string | undefined> = {}): Loaded {
  const script = join(import.meta.dir, "..", "..", "support", "loaded-modules.ts");
  const result = Bun.spawnSync([process.execPath, script, ...args], { env: { ...process.env, NO_COLOR: "1", ...env } });
  const lines = result.stderr.toString().trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Loaded;
}

test("--version, --help, init, upgrade and status never load matrix-js-sdk", () => {
  const freshHome = { HOME: mkdtempSync(join(tmpdir(), "mxhome-lazy-")), XDG_CONFIG_HOME: undefined };
  for (const args of [["--version"], ["--help"], ["init", "--help"], ["upgrade", "--help"], ["status", "--allow-root"]]) {
    const { packages } = loaded(args, freshHome);
    expect(packages).not.toContain("matrix-js-sdk");
    expect(packages).not.toContain("ofetch");
  }
});

// Each module here is start-up time (bench/startup.ts): the TOML parser, consola and node:fs
// (ui/terminal.ts) are for commands, and the command modules load only when one is run.
test("--version loads the CLI set-up and nothing else", () => {
  expect(loaded(["--version"])).toEqual({
    packages: ["citty"],
    sources: [
      "package.json",
      "src/cli.ts",
      "src/commands/_hoistable-flags.ts",
      "src/commands/index.ts",
      "src/ui/errors.ts",
      "src/ui/output.ts",
      "src/ui/redact.ts",
      "src/version.ts",
    ],
  });
});

test("status loads neither consola nor yaml until it has something to log or parse", () => {
  const { packages } = loaded(["status", "--allow-root"], { HOME: mkdtempSync(join(tmpdir(), "mxhome-lazy-")), XDG_CONFIG_HOME: undefined });
  expect(packages).toEqual(["@iarna/toml", "citty"]);
});
