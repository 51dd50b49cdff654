/**
 * `bun bench/purge.ts [runs] [rooms] [events-per-room] [media]` (defaults 3,
 * 200, 200, 2000): on a native test deployment kept in
 * /var/tmp/mxhome-bench-purge-<uid> (MXHOME_BENCH_DIR), seeds the rooms and
 * uploads once (~20 min at the default size; later runs reuse the snapshot),
 * then per run restores the database and media-store snapshot and measures,
 * side by side (MXHOME_BENCH_ONLY=<name prefix> runs one contender):
 *   - mxhome purge (the compiled binary): wall time, HTTP requests, peak RSS
 *   - a naive loop over the same endpoints, one room at a time, as the guide's
 *     cron script or synadm would do it: list rooms, purge_history, poll its
 *     status every second (`sleep 1`) until done, then media/delete and
 *     purge_media_cache
 *   - the same loop polling every 100 ms, so the gain from concurrency shows
 *     apart from the polling interval
 * All three purge the same cut-off. Requests are counted by a proxy in front
 * of Synapse. Targets: ≥ 3× faster than the naive loop, peak RSS ≤ 150 MB.
 * PostgreSQL refuses root, so as root this re-runs itself as the test user.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import { compile } from "../scripts/build.ts";
import { loadServiceToken } from "../src/accounts/index.ts";
import { renderConfigToml } from "../src/config/render-toml.ts";
import { freePort } from "../test/support/ports.ts";
import { median } from "./_measure.ts";
import { ensureSnapshot, restorePurgeSnapshot, seededSizeMatches } from "./purge-seed.ts";
import { type BenchServer, openBenchServer } from "./purge-server.ts";

rerunAsTestUserWhenRoot("bench-purge");

const argument = (index: number, fallback: number) => Number(process.argv[2 + index] ?? fallback);
const [runs, rooms, eventsPerRoom, media] = [argument(0, 3), argument(1, 200), argument(2, 200), argument(3, 2000)];
const contenders = ["mxhome", "naive, poll 1 s", "naive, poll 100 ms"].filter((name) => !process.env.MXHOME_BENCH_ONLY || name.startsWith(process.env.MXHOME_BENCH_ONLY));
const log = (line: string) => console.error(`[bench] ${line}`);

/** A proxy in front of Synapse that counts requests; both contenders go through it. */
async function countingProxy(target: string): Promise<{ port: number; take(): number; stop(): void }> {
  let count = 0;
  const port = await freePort();
  const proxy = Bun.serve({
    hostname: "127.0.0.1",
    port,
    idleTimeout: 0,
    async fetch(request) {
      count++;
      const url = new URL(request.url);
      const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer(),
      });
      return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
    },
  });
  return { port, take: () => [count, (count = 0)][0]!, stop: () => proxy.stop(true) };
}

/** The naive loop, one room at a time, as a cron script would run it. */
async function naivePurge(baseUrl: string, token: string, beforeTs: number, pollMs: number): Promise<void> {
  const call = async <T>(method: string, path: string, body?: object): Promise<{ status: number; json: T }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, json: (await response.json()) as T };
  };
  const roomIds: string[] = [];
  for (let from: number | undefined = 0; from !== undefined; ) {
    const page: { json: { rooms: { room_id: string }[]; next_batch?: number } } = await call("GET", `/_synapse/admin/v1/rooms?from=${from}`);
    roomIds.push(...page.json.rooms.map((room) => room.room_id));
    from = page.json.next_batch;
  }
  for (const roomId of roomIds) {
    const started = await call<{ purge_id?: string }>("POST", `/_synapse/admin/v1/purge_history/${encodeURIComponent(roomId)}`, {
      delete_local_events: true,
      purge_up_to_ts: beforeTs,
    });
    if (started.status !== 200) continue; // 404: nothing older
    for (;;) {
      await Bun.sleep(pollMs);
      const status = await call<{ status: string }>("GET", `/_synapse/admin/v1/purge_history_status/${started.json.purge_id}`);
      if (status.json.status !== "active") break;
    }
  }
  await call("POST", `/_synapse/admin/v1/media/delete?before_ts=${beforeTs}&keep_profiles=true`, {});
  await call("POST", `/_synapse/admin/v1/purge_media_cache?before_ts=${beforeTs}`, {});
}

interface Measure {
  ms: number;
  requests: number;
  rssMb?: number;
  events: number;
  media: number;
}

const remaining = async (server: BenchServer) => ({
  events: Number(await server.sql("SELECT count(*) FROM events")),
  media: Number(await server.sql("SELECT count(*) FROM local_media_repository")),
});

async function main(): Promise<void> {
  const root = process.env.MXHOME_BENCH_DIR ?? `/var/tmp/mxhome-bench-purge-${process.getuid?.()}`;
  const size = { rooms, eventsPerRoom, media };
  if (!seededSizeMatches(root, size)) {
    if (existsSync(join(root, "home"))) await (await openBenchServer(root)).stop();
    rmSync(root, { recursive: true, force: true });
  }
  const server = await openBenchServer(root);
  const home = server.home;
  try {
    await ensureSnapshot(server, size, log);
    await Bun.sleep(1_500);
    const asOf = new Date();
    const beforeTs = asOf.getTime() - 1_000;
    const seeded = await remaining(server);
    log(`snapshot: ${seeded.events} events, ${seeded.media} local media`);

    const proxy = await countingProxy(server.synapseUrl);
    const proxiedConfig = join(home, "bench-mxhome.toml");
    writeFileSync(proxiedConfig, renderConfigToml({ ...server.config, network: { ...server.config.network, synapse_port: proxy.port } }));
    const binary = join(mkdtempSync(join(tmpdir(), "mxhome-bench-purge-")), "mxhome");
    compile(binary);

    const results: Record<string, Measure[]> = Object.fromEntries(contenders.map((name) => [name, []]));
    const steps: Record<string, number[]> = {};
    for (let run = 0; run < runs; run++) {
      for (const name of Object.keys(results)) {
        await restorePurgeSnapshot(server);
        proxy.take();
        const start = performance.now();
        let rssMb: number | undefined;
        if (name === "mxhome") {
          const argv = [binary, "purge", "--yes", "--json", "--config", proxiedConfig, "--as-of", asOf.toISOString(), "--older-than", "1s"];
          const child = Bun.spawn(argv, { env: { ...process.env, HOME: home, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
          const [stdout, , exitCode] = [await new Response(child.stdout).text(), await new Response(child.stderr).text(), await child.exited];
          if (exitCode !== 0) throw new Error(`mxhome purge failed (${exitCode}): ${stdout}`);
          rssMb = (child.resourceUsage()?.maxRSS ?? 0) / 1024 / 1024;
          for (const [step, figures] of Object.entries(JSON.parse(stdout).steps as Record<string, { durationMs: number }>)) {
            (steps[step] ??= []).push(figures.durationMs);
          }
        } else {
          await naivePurge(`http://127.0.0.1:${proxy.port}`, loadServiceToken(server.paths), beforeTs, name.endsWith("1 s") ? 1_000 : 100);
        }
        const ms = performance.now() - start;
        results[name]!.push({ ms, requests: proxy.take(), rssMb, ...(await remaining(server)) });
        log(`run ${run + 1}/${runs} ${name}: ${(ms / 1000).toFixed(1)} s`);
      }
    }
    proxy.stop();

    const mxhome = results.mxhome?.length ? median(results.mxhome.map((m) => m.ms)) : Number.NaN;
    console.log(`purge benchmark: ${rooms} rooms × ${eventsPerRoom} events, ${media} media; ${runs} runs each, medians`);
    console.log(`seeded: ${seeded.events} events, ${seeded.media} local media`);
    for (const [name, measures] of Object.entries(results)) {
      const ms = median(measures.map((m) => m.ms));
      const rss = measures[0]?.rssMb === undefined ? "" : `  peak RSS ${median(measures.map((m) => m.rssMb!)).toFixed(0)} MB (target ≤ 150 MB)`;
      const ratio = name === "mxhome" ? "" : `  → mxhome is ${(ms / mxhome).toFixed(1)}× faster (target ≥ 3×)`;
      const left = measures[0]!;
      console.log(`${name.padEnd(20)} ${(ms / 1000).toFixed(1).padStart(7)} s  ${String(median(measures.map((m) => m.requests))).padStart(6)} requests${rss}  left ${left.events} events, ${left.media} media${ratio}`);
    }
    if (Object.keys(steps).length) console.log(`mxhome steps: ${Object.entries(steps).map(([step, ms]) => `${step} ${(median(ms) / 1000).toFixed(1)} s`).join(", ")}`);
  } finally {
    await server.stop();
  }
}

await main();
