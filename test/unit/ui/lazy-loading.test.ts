import { expect, test } from "bun:test";
import { join } from "node:path";

function loadedPackages(args: string[]): string[] {
  const script = join(import.meta.dir, "..", "..", "support", "loaded-modules.ts");
  const result = Bun.spawnSync([process.execPath, script, ...args], { env: { ...process.env, NO_COLOR: "1" } });
  const lines = result.stderr.toString().trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as string[];
}

test("--version, --help, init and upgrade never load matrix-js-sdk", () => {
  for (const args of [["--version"], ["--help"], ["init", "--help"], ["upgrade", "--help"]]) {
    const loaded = loadedPackages(args);
    expect(loaded).not.toContain("matrix-js-sdk");
    expect(loaded).not.toContain("ofetch");
  }
});
