/**
 * bench/load.ts at smoke size (20 members, 30 s), both contenders: it must
 * finish by itself with zero errors and print its table. No timing
 * assertions: the figures on a shared CI machine mean nothing.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { repoRoot } from "../../support/components.ts";

// The preload's XDG_* would put both servers of the pair into one directory; each has its own HOME.
const ownHomes = { XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined };

test("the load benchmark completes at smoke size with zero errors and prints the table", async () => {
  const argv = [process.execPath, join(repoRoot, "bench", "load.ts"), "--members", "20", "--clients", "10", "--senders", "5", "--duration", "30", "--settle", "5"];
  const child = Bun.spawn(argv, { cwd: repoRoot, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...ownHomes } });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (exitCode !== 0) console.error(stdout, stderr);
  expect(exitCode).toBe(0);
  console.error(stdout);
  expect(stdout).toContain("| | the guide says | mxhome (measured) | Synapse defaults (measured) |");
  for (const row of ["RAM at idle (PSS)", "RAM under load, peak (PSS)", "CPU under load", "home p50 / p95 / p99", "remote p50 / p95 / p99"]) expect(stdout).toContain(row);
  const sentAndErrors = /^\| Messages sent \/ errors \| – \| (\d+) \/ (\d+) \| (\d+) \/ (\d+) \|$/m.exec(stdout);
  expect(sentAndErrors).not.toBeNull();
  expect([sentAndErrors![2], sentAndErrors![4]]).toEqual(["0", "0"]);
  // Each sender's first message falls in the first 30 s, so both contenders sent something.
  expect(Number(sentAndErrors![1])).toBeGreaterThan(0);
  expect(Number(sentAndErrors![3])).toBeGreaterThan(0);
}, 300_000);
