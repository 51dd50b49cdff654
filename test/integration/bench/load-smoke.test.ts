/**
 * bench/load.ts at smoke size (20 members, 30 s): one run per contender, the
 * second reusing the population the first seeded and saved. Each must finish
 * by itself with zero errors and print its table. No timing assertions: the
 * figures on a shared CI machine mean nothing.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../support/components.ts";

// The preload's XDG_* would put both servers of the pair into one directory; each has its own HOME.
const ownHomes = { XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined };
const seedDir = join(mkdtempSync(join(tmpdir(), "mxhome-load-smoke-")), "seed");
afterAll(() => rmSync(join(seedDir, ".."), { recursive: true, force: true }));

async function runLoad(contender: "mxhome" | "defaults"): Promise<{ stdout: string; stderr: string }> {
  const argv = [process.execPath, join(repoRoot, "bench", "load.ts"), "--members", "20", "--clients", "10", "--senders", "5", "--duration", "30", "--settle", "5"];
  const child = Bun.spawn([...argv, "--only", contender, "--seed-dir", seedDir], { cwd: repoRoot, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...ownHomes } });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (exitCode !== 0) console.error(stdout, stderr);
  expect(exitCode).toBe(0);
  console.error(stdout);
  const heading = contender === "mxhome" ? "mxhome (measured)" : "Synapse defaults (measured)";
  expect(stdout).toContain(`| | the guide says | ${heading} |`);
  for (const row of ["RAM at idle (PSS)", "RAM under load, peak (PSS)", "CPU under load", "home p50 / p95 / p99", "remote p50 / p95 / p99"]) expect(stdout).toContain(row);
  const sentAndErrors = /^\| Messages sent \/ errors \| – \| (\d+) \/ (\d+) \|$/m.exec(stdout);
  expect(sentAndErrors).not.toBeNull();
  expect(sentAndErrors![2]).toBe("0");
  // Each sender's first message falls in the first 30 s, so something was sent.
  expect(Number(sentAndErrors![1])).toBeGreaterThan(0);
  return { stdout, stderr };
}

test("the load benchmark completes at smoke size with zero errors, and the next run reuses the seeded population", async () => {
  const first = await runLoad("mxhome");
  expect(first.stderr).toContain("seeded and saved for the next run");
  // The saved population holds the members' access tokens.
  expect(statSync(join(seedDir, "population.json")).mode & 0o777).toBe(0o600);
  const second = await runLoad("defaults");
  expect(second.stderr).toContain("reusing the seeded population");
  expect(second.stderr).not.toContain("seed: 20 accounts");
}, 400_000);
