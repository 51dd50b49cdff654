import { randomBytes } from "node:crypto";
import { loadServiceSession } from "../../accounts/index.ts";
import { createSynapseHttp } from "../../synapse/http.ts";
import type { FactScope } from "./index.ts";
import { gatherScale } from "./scale.ts";

/**
 * Whether replication works: a change written through the main process (an
 * account-data event of mxhome's service account, so no room or message is
 * left behind) shows up in a /sync served by each worker, within a bound.
 */
export interface ReplicationObservation {
  worker: string;
  port: number;
  /** Milliseconds until the worker's /sync carried the change; undefined when it never did within the bound. */
  seenAfterMs?: number;
  error?: string;
}

export const replicationBoundMs = 10_000;
export const probeEventType = "org.mxhome.replication_probe";

/** Only this probe's account data, no rooms, no presence: an initial sync that costs nothing. */
const filter = JSON.stringify({ room: { rooms: [] }, presence: { types: [] }, account_data: { types: [probeEventType] } });

interface SyncAnswer {
  next_batch: string;
  account_data?: { events?: { type: string; content: { nonce?: string } }[] };
}

async function probeWorker(mainUrl: string, worker: { name: string; port: number }, token: string): Promise<ReplicationObservation> {
  const workerHttp = createSynapseHttp(`http://127.0.0.1:${worker.port}`, { timeoutMs: replicationBoundMs + 5_000, maxRateLimitRetries: 0 });
  const mainHttp = createSynapseHttp(mainUrl, { timeoutMs: 5_000, maxRateLimitRetries: 0 });
  try {
    let since = (await workerHttp.request<SyncAnswer>("GET", "/_matrix/client/v3/sync", { token, query: { filter, timeout: 0 } })).next_batch;
    const { user_id: userId } = await mainHttp.request<{ user_id: string }>("GET", "/_matrix/client/v3/account/whoami", { token });
    const nonce = randomBytes(8).toString("hex");
    const started = Date.now();
    await mainHttp.request("PUT", `/_matrix/client/v3/user/${encodeURIComponent(userId)}/account_data/${probeEventType}`, { token, body: { nonce, worker: worker.name } });
    while (Date.now() - started < replicationBoundMs) {
      const wait = Math.max(0, replicationBoundMs - (Date.now() - started));
      const answer = await workerHttp.request<SyncAnswer>("GET", "/_matrix/client/v3/sync", { token, query: { filter, since, timeout: wait } });
      if (answer.account_data?.events?.some((event) => event.type === probeEventType && event.content.nonce === nonce)) {
        return { worker: worker.name, port: worker.port, seenAfterMs: Date.now() - started };
      }
      since = answer.next_batch;
    }
    return { worker: worker.name, port: worker.port };
  } catch (error) {
    return { worker: worker.name, port: worker.port, error: (error as Error).message.split("\n")[0] };
  }
}

/** Every healthy worker, probed in parallel; none when workers are off or none answers (the workers check says why). */
export async function gatherReplication(scope: FactScope): Promise<ReplicationObservation[]> {
  const workers = (await scope.facts.get(gatherScale)).filter((process) => process.wanted && process.port !== undefined && process.healthy);
  if (!workers.length) return [];
  const token = loadServiceSession(scope.paths).accessToken;
  const mainUrl = `http://127.0.0.1:${scope.config.network.synapse_port}`;
  return Promise.all(workers.map((worker) => probeWorker(mainUrl, { name: worker.name, port: worker.port! }, token)));
}
