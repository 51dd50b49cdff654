import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { daemonEnding, describeEnding, spawnDaemon } from "../../../src/runtime/native/process.ts";
import { startFailureMessage } from "../../../src/runtime/native/services.ts";

test("a failed start carries what the daemon wrote; when it wrote nothing, how it ended and where to look", () => {
  expect(startFailureMessage("Synapse", "died", "exit status 1", "Error: max_upload_size", "/s/synapse.log")).toBe("Synapse exited while starting (exit status 1).\nError: max_upload_size");
  const silent = startFailureMessage("Synapse", "died", "killed by SIGKILL", "", "/s/synapse.log");
  expect(silent).toStartWith("Synapse exited while starting (killed by SIGKILL).\nIt wrote nothing to /s/synapse.log during this start");
  expect(silent).toContain("journalctl -k");
  expect(startFailureMessage("Caddy", "timeout", undefined, "\n", "/s/caddy.log")).toBe("Caddy did not become healthy in time.\nIt wrote nothing to /s/caddy.log during this start.");
  expect(describeEnding(3, null)).toBe("exit status 3");
  expect(describeEnding(null, "SIGTERM")).toBe("killed by SIGTERM");
});

test("the run that started a daemon hears how it ended (real processes)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mxhome-daemon-"));
  const spec = (name: string, script: string) => ({ name, argv: ["sh", "-c", script], env: process.env, cwd: dir, pidFile: join(dir, `${name}.pid`), logFile: join(dir, `${name}.log`), identity: dir });
  const exits = spawnDaemon(spec("exits", "exit 3"));
  const killed = spawnDaemon(spec("killed", "kill -KILL $$"));
  expect(await daemonEnding(exits, 10_000)).toBe("exit status 3");
  expect(await daemonEnding(killed, 10_000)).toBe("killed by SIGKILL");
  const running = spawnDaemon(spec("running", "sleep 5"));
  expect(await daemonEnding(running, 100)).toBeUndefined();
  process.kill(running, "SIGKILL");
});
