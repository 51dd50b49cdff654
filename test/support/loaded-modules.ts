/**
 * Runs the CLI in-process with the given arguments, then prints the
 * node_modules packages that were loaded (one JSON array on stderr's last line).
 * Used to prove that light commands never load heavy modules.
 */
import { run } from "../../src/cli.ts";

await run(process.argv.slice(2));
const packages = new Set<string>();
for (const key of Object.keys(require.cache)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(key);
  if (match) packages.add(match[1]!);
}
process.stderr.write(`\n${JSON.stringify([...packages].sort())}\n`);
