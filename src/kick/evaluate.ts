import type { SynapseAdmin } from "../synapse/admin.ts";
import { capPopulation, decideKicks, type Decision } from "./decide.ts";
import type { LedgerStore } from "./ledger-store.ts";
import { assembleMembers } from "./members.ts";
import type { KickPolicy } from "./types.ts";

/**
 * The decision over the ledger, in two passes: the first finds the local
 * members who would be proposed; only those are looked up with the admin
 * API (server admin? `last_seen_ts`, recorded as evidence), and the second
 * pass decides with that. A lookup can only keep someone, never add them.
 */
export interface Evaluation {
  decision: Decision;
  population: number;
  /** Local members looked up with the admin API. */
  lookedUp: number;
}

const lookupBatch = 8;

export async function evaluate(ledger: LedgerStore, admin: SynapseAdmin, serverName: string, policy: KickPolicy, asOf: number, now: number): Promise<Evaluation> {
  const rooms = ledger.rooms();
  const rows = ledger.memberships();
  let members = assembleMembers(rows, ledger.latestActivity(), rooms, serverName);
  let decision = decideKicks(members, policy, asOf);
  const lookups = decision.needsAdminCheck;
  if (lookups.length) {
    const serverAdmins = new Map<string, boolean>();
    const users: Array<readonly [string, Awaited<ReturnType<SynapseAdmin["user"]>>]> = [];
    for (let start = 0; start < lookups.length; start += lookupBatch) {
      const batch = lookups.slice(start, start + lookupBatch);
      users.push(...(await Promise.all(batch.map(async (userId) => [userId, await admin.user(userId)] as const))));
    }
    ledger.transaction(() => {
      for (const [userId, user] of users) {
        serverAdmins.set(userId, Boolean(user?.admin));
        if (typeof user?.last_seen_ts === "number") ledger.recordActivity({ userId, source: "last-seen", ts: Math.min(user.last_seen_ts, now) });
      }
    });
    members = assembleMembers(rows, ledger.latestActivity(), rooms, serverName, serverAdmins);
    decision = decideKicks(members, policy, asOf);
  }
  return { decision, population: capPopulation(members, policy), lookedUp: lookups.length };
}
