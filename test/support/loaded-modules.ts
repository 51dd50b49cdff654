/**
 * Runs the CLI in-process with the given arguments, then prints what was
 * loaded as one JSON object on stderr's last line: `packages` (node_modules
 * packages) and `sources` (files of this repository, relative to its root).
 * Used to prove that light commands never load heavy modules.
 */
import { relative, resolve } from "node:path";
import { run } from "../../src/cli.ts";

await run(process.argv.slice(2));
const root = resolve(import.meta.dir, "..", "..");
const packages = new Set<string>();
const sources: string[] = [];
for (const key of Object.keys(require.cache)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(key);
  if (match) packages.add(match[1]!);
  else if (key.startsWith(root) && key !== import.meta.path) sources.push(relative(root, key));
}
process.stderr.write(`\n${JSON.stringify({ packages: [...packages].sort(), sources: sources.sort() })}\n`);
