import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { arm64Version, release } from "../../scripts/release.ts";

test("npm run release makes x64 and arm64 binaries with matching SHA256SUMS", () => {
  const outdir = mkdtempSync(join(tmpdir(), "mxhome-release-"));
  const files = release(outdir);
  const sums = readFileSync(join(outdir, "SHA256SUMS"), "utf8").trim().split("\n");
  expect(sums).toHaveLength(2);
  for (const [index, file] of files.entries()) {
    expect(statSync(file).mode & 0o111).not.toBe(0);
    const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
    expect(sums[index]).toBe(`${digest}  ${file.split("/").pop()}`);
  }
  const x64 = Bun.spawnSync([files[0]!, "--version"]);
  expect(x64.stdout.toString().trim()).toBe(packageJson.version);
  const emulated = arm64Version(files[1]!);
  if (emulated !== undefined) expect(emulated).toBe(packageJson.version);
  rmSync(outdir, { recursive: true, force: true });
}, 180_000);
