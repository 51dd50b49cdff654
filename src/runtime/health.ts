import { log } from "../ui/logger.ts";

/**
 * Waits for a service to answer over HTTP. Long waits say so every few
 * seconds, and a process that died stops the wait at once instead of
 * running out the clock.
 */
export interface HealthWait {
  /** For progress messages: "Synapse". */
  label: string;
  url: string;
  timeoutMs: number;
  /** Whether the response means ready; by default any 2xx. */
  accept?: (response: Response) => boolean;
  /** False once the process is gone (or its unit failed); the wait then ends as "died". */
  isAlive?: () => boolean | Promise<boolean>;
}

export type HealthOutcome = "healthy" | "died" | "timeout";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(wait: HealthWait): Promise<boolean> {
  try {
    const response = await fetch(wait.url, { signal: AbortSignal.timeout(2_000), redirect: "manual" });
    await response.arrayBuffer();
    return (wait.accept ?? ((r) => r.ok))(response);
  } catch {
    return false;
  }
}

/** Polls until the predicate holds or the time is up; returns whether it held. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export async function waitUntilHealthy(wait: HealthWait): Promise<HealthOutcome> {
  const started = Date.now();
  let nextProgress = started + 3_000;
  let delay = 50;
  for (;;) {
    if (await answers(wait)) return "healthy";
    if (wait.isAlive && !(await wait.isAlive())) return "died";
    const now = Date.now();
    if (now - started >= wait.timeoutMs) return "timeout";
    if (now >= nextProgress) {
      log.info(`Still waiting for ${wait.label} (${Math.round((now - started) / 1000)}s)…`);
      nextProgress = now + 5_000;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}
