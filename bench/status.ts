/**
 * `bun bench/status.ts [runs]`: median wall time of `mxhome status`
 * (compiled binary) against a healthy native server, and with Synapse
 * stopped (every probe must still end quickly). Target: ≤ 500 ms.
 */
import { stopNativeService } from "../src/runtime/native/services.ts";
import { format, median, timeRun } from "./_measure.ts";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import { benchServer } from "./_server.ts";

rerunAsTestUserWhenRoot("bench-status");
const runs = Number(process.argv[2] ?? 20);
const { server, mxhome, env } = await benchServer();
try {
  const measure = () => Array.from({ length: runs }, () => timeRun([mxhome, "status"], env));
  const healthy = measure();
  await stopNativeService(server.paths, "synapse");
  const down = measure();
  console.log(`runs: ${runs}`);
  console.log(`mxhome status (healthy native server) median ${format(median(healthy))}  min ${format(Math.min(...healthy))}  max ${format(Math.max(...healthy))}  (target ≤ 500 ms)`);
  console.log(`mxhome status (Synapse stopped)       median ${format(median(down))}  min ${format(Math.min(...down))}  max ${format(Math.max(...down))}`);
} finally {
  await server.stop();
}
