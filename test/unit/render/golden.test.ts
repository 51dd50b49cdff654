/**
 * Golden files: the whole deployment (`renderDeployment`), for each fixture topology, compared
 * byte for byte with test/golden/<topology>/tree (paths relative to the fake
 * HOME) plus files.json (mode and affects of each file).
 * `UPDATE_GOLDEN=1 bun test test/unit/render/golden.test.ts` rewrites them.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { renderDeployment } from "../../../src/render/index.ts";
import { repoRoot } from "../../support/components.ts";
import { fakeHome, fixtureInputs, topologies } from "./_inputs.ts";

const update = process.env.UPDATE_GOLDEN === "1";

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe.each(topologies)("golden %s", (topology) => {
  const goldenDir = join(repoRoot, "test", "golden", topology);
  const treeDir = join(goldenDir, "tree");
  const files = renderDeployment(fixtureInputs(topology));
  const rendered = new Map(files.map((file) => [relative(fakeHome, file.path), file]));
  const manifest = [...rendered].map(([path, file]) => ({ path, mode: file.mode.toString(8), affects: file.affects }));

  if (update) {
    rmSync(goldenDir, { recursive: true, force: true });
    for (const [path, file] of rendered) {
      mkdirSync(dirname(join(treeDir, path)), { recursive: true });
      writeFileSync(join(treeDir, path), file.content);
    }
    writeFileSync(join(goldenDir, "files.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  test("every path is under HOME and rendered once", () => {
    expect(files.every((file) => file.path.startsWith(`${fakeHome}/`))).toBe(true);
    expect(rendered.size).toBe(files.length);
  });

  test("the same files exist, no more and no fewer", () => {
    expect([...rendered.keys()].sort()).toEqual(listFiles(treeDir));
  });

  test("modes and affected services match files.json", () => {
    expect(manifest).toEqual(JSON.parse(readFileSync(join(goldenDir, "files.json"), "utf8")));
  });

  test.each([...rendered.keys()])("%s", (path) => {
    const expected = join(treeDir, path);
    expect(existsSync(expected)).toBe(true);
    expect(rendered.get(path)!.content).toBe(readFileSync(expected, "utf8"));
  });
});
