/**
 * `bun bench/doctor.ts [runs]`: median wall time of `mxhome doctor --offline`
 * (compiled binary, every local check) against a healthy native server, and
 * of the in-process run with the public path served on loopback.
 * Target: full local doctor ≤ 1.5 s.
 */
import { runDoctor } from "../src/doctor/index.ts";
import { createTestCa, loopbackPublicHttp, recordsResolver, startFakeFunnel, fakeTailscale } from "../test/integration/doctor/_support.ts";
import { format, median, timeRun } from "./_measure.ts";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import { benchServer } from "./_server.ts";

rerunAsTestUserWhenRoot("bench-doctor");
const runs = Number(process.argv[2] ?? 15);
const { server, mxhome, env } = await benchServer();
try {
  const binary: number[] = [];
  for (let i = 0; i < runs; i++) binary.push(timeRun([mxhome, "doctor", "--offline"], env));

  const host = server.serverName;
  const ca = createTestCa();
  const funnel = startFakeFunnel({ cert: ca.issue([host]), upstream: server.publicUrl });
  const io = { tailscale: fakeTailscale(host, server.config.network.caddy_port), publicHttp: loopbackPublicHttp(recordsResolver({ [host]: { addresses: ["127.0.0.1"] } }), ca, { [host]: funnel }) };
  const inProcess: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const report = await runDoctor({ paths: server.paths, mxhomeBinary: "/usr/local/bin/mxhome", io });
    inProcess.push(performance.now() - start);
    if (report.summary.fail) throw new Error(`doctor failed: ${JSON.stringify(report.checks.filter((check) => check.status === "fail"))}`);
  }
  funnel.stop();
  console.log(`runs: ${runs}`);
  console.log(`mxhome doctor --offline (binary, healthy native server) median ${format(median(binary))}  min ${format(Math.min(...binary))}  max ${format(Math.max(...binary))}  (target ≤ 1500 ms)`);
  console.log(`runDoctor, public path on loopback (in-process)        median ${format(median(inProcess))}  min ${format(Math.min(...inProcess))}  max ${format(Math.max(...inProcess))}`);
} finally {
  await server.stop();
}
