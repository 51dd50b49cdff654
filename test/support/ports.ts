import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The share of the kernel's ephemeral port range this process picks from. The test runner
 * (scripts/test.ts) runs several test processes at once and gives each of its slots a band of its
 * own ("i/n" in MXHOME_TEST_PORT_BAND): a port one process picked, and will bind only once its
 * server starts, can then never be handed to another process meanwhile. Unset: the whole range.
 */
function portBand(): { low: number; high: number } {
  let [low, high] = [32768, 60999];
  try {
    [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number) as [number, number];
  } catch {
    // not Linux: the usual range
  }
  const band = process.env.MXHOME_TEST_PORT_BAND;
  if (!band) return { low, high };
  const [index, count] = band.split("/").map(Number) as [number, number];
  if (!(count >= 1 && index >= 0 && index < count)) throw new Error(`MXHOME_TEST_PORT_BAND=${band}: expected "i/n" with 0 ≤ i < n`);
  const width = Math.floor((high - low + 1) / count);
  return { low: low + index * width, high: low + (index + 1) * width - 1 };
}

/**
 * A currently free loopback port, so suites can run servers side by side: a random one of this
 * process's band that nothing listens on. Not the kernel's pick (port 0): for sockets with
 * SO_REUSEADDR, as Node's and Bun's servers have, Linux hands out only the lower half of the range.
 */
export async function freePort(): Promise<number> {
  const { low, high } = portBand();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port in ${low}–${high} (MXHOME_TEST_PORT_BAND=${process.env.MXHOME_TEST_PORT_BAND})`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free loopback ports ([scale] first_port and the workers above it), within this process's band. */
export async function freePortRange(count: number): Promise<number> {
  const { high } = portBand();
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count - 1 > high) continue;
    const rest = await Promise.all(Array.from({ length: count - 1 }, (_, index) => isFree(first + 1 + index)));
    if (rest.every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports`);
}
