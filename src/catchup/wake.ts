import { forEachBounded } from "../purge/bounded.ts";
import type { WakeTarget } from "./targets.ts";

/**
 * Waking one server: any request our server signs and that server accepts
 * makes it reset its backoff toward us and send its queue at once
 * (synapse/federation/transport/server/_base.py: reset_retry_timings, then
 * wake_destination). The invisible one is a profile lookup of one of its
 * users (handlers/profile.py: a signed `query/profile`, ignoring our own
 * backoff); a typing notice in a room the bot shares with it is the
 * fallback, sent by our federation sender (visible for a moment, and not
 * confirmed: our server answers before it delivers).
 *
 * Policy, with the I/O passed in: at most one successful wake per server;
 * while the server is unreachable (our Synapse answers 502/504), a bounded
 * number of rounds with growing pauses, within a bounded time.
 */
export type WakeAnswer =
  | { kind: "reached" }
  /** Our server could not reach it (502, 504, timeout): it may still be coming up; try again later. */
  | { kind: "unreachable"; error: string }
  /** It answered, but not so as to count (e.g. 403): try another member or the fallback. */
  | { kind: "refused"; error: string };

export interface WakeIo {
  lookupProfile(userId: string): Promise<WakeAnswer>;
  sendTyping(roomId: string): Promise<WakeAnswer>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface WakeLimits {
  /** Rounds over the server's members (and the fallback) before giving up. */
  rounds: number;
  /** Pause before the second round; doubled for each further one. */
  firstPauseMs: number;
  /** No new round starts after this long. */
  budgetMs: number;
}

export const defaultWakeLimits: WakeLimits = { rounds: 4, firstPauseMs: 1_000, budgetMs: 20_000 };

export interface WakeResult {
  server: string;
  woken: boolean;
  /** How it was woken: a profile lookup of this user, or a typing notice in this room. */
  via?: { method: "profile"; userId: string } | { method: "typing"; roomId: string };
  /** Requests made. */
  attempts: number;
  /** The last failure, when not woken. */
  error?: string;
}

export async function wakeServer(target: WakeTarget, io: WakeIo, limits: WakeLimits = defaultWakeLimits): Promise<WakeResult> {
  const started = io.now();
  let attempts = 0;
  let error = "no member to look up and no room shared with the bot";
  for (let round = 0; round < limits.rounds; round++) {
    if (round > 0) {
      const pause = limits.firstPauseMs * 2 ** (round - 1);
      if (io.now() + pause - started > limits.budgetMs) break;
      await io.sleep(pause);
    }
    let unreachable = false;
    for (const userId of target.members) {
      attempts++;
      const answer = await io.lookupProfile(userId);
      if (answer.kind === "reached") return { server: target.server, woken: true, via: { method: "profile", userId }, attempts };
      error = `profile lookup of ${userId}: ${answer.error}`;
      // An unreachable server fails for every member alike: wait for the next round.
      if (answer.kind === "unreachable") {
        unreachable = true;
        break;
      }
    }
    if (unreachable) continue;
    const roomId = target.botRooms[0];
    if (roomId === undefined) break;
    attempts++;
    const answer = await io.sendTyping(roomId);
    if (answer.kind === "reached") return { server: target.server, woken: true, via: { method: "typing", roomId }, attempts };
    error = `typing notice in ${roomId}: ${answer.error}`;
    if (answer.kind === "refused") break;
  }
  return { server: target.server, woken: false, attempts, error };
}

/** Wakes every target, a few at a time (each is a federation request our Synapse makes). */
export async function wakeAll(targets: readonly WakeTarget[], io: WakeIo, limits: WakeLimits = defaultWakeLimits, concurrency = 8): Promise<WakeResult[]> {
  const results: WakeResult[] = new Array(targets.length);
  await forEachBounded(targets, concurrency, async (target, index) => {
    results[index] = await wakeServer(target, io, limits);
  });
  return results;
}
