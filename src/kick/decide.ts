import { matchesUserPattern } from "../space/power.ts";
import type { Activity, KickPolicy, MemberEvidence } from "./types.ts";

/**
 * Who `mxhome kick` proposes to remove, decided from evidence alone: data
 * in, data out, no clock (the time is an argument, so `--as-of` is just a
 * different argument). A member is proposed only when all three hold:
 * no activity for `afterDays`, tracked at least that long, and joined at
 * least that long ago. Everything else is kept, with the reason.
 */
export const dayMs = 86_400_000;

export type KeepReason =
  | "mxhome-account"
  /** The human admin account `[server] admin_user` names. */
  | "admin-account"
  | "server-admin"
  | "exempt-user"
  | "power-level"
  | "invited-only"
  | "active"
  | "tracked-briefly"
  | "joined-recently"
  /** A local member who would be proposed, but whether they are a server admin was not asked yet. */
  | "admin-unknown";

export interface Proposal {
  userId: string;
  /** A joined member, or an invite that was never accepted (only with --revoke-invites). */
  kind: "member" | "invite";
  lastActivity?: Activity;
  /** Joined (or invited) at: the latest of their scope memberships. */
  since: number;
  trackedSince: number;
  /** Scope rooms they are joined to or invited to. */
  rooms: string[];
}

export interface Kept {
  userId: string;
  reason: KeepReason;
  /** For time-based reasons: when this member could first be proposed. */
  eligibleAt?: number;
}

export interface Decision {
  asOf: number;
  proposals: Proposal[];
  kept: Kept[];
  /** Local members to look up with the admin API before the decision is final. */
  needsAdminCheck: string[];
}

function exemption(member: MemberEvidence, policy: KickPolicy): KeepReason | undefined {
  if (policy.protectedUsers.includes(member.userId)) return "mxhome-account";
  if (member.userId === policy.adminUser) return "admin-account";
  if (member.serverAdmin) return "server-admin";
  if (policy.exemptUsers.some((pattern) => matchesUserPattern(pattern, member.userId))) return "exempt-user";
  if (member.maxLevel >= policy.exemptPowerLevel) return "power-level";
  return undefined;
}

function judge(member: MemberEvidence, policy: KickPolicy, asOf: number): Kept | Proposal {
  const exempt = exemption(member, policy);
  if (exempt) return { userId: member.userId, reason: exempt };
  const joined = member.memberships.filter((membership) => membership.membership === "join");
  const kind = joined.length > 0 ? "member" : "invite";
  if (kind === "invite" && !policy.revokeInvites) return { userId: member.userId, reason: "invited-only" };
  const counted = kind === "member" ? joined : member.memberships;
  const since = Math.max(...counted.map((membership) => membership.since));
  const trackedSince = Math.max(...member.memberships.map((membership) => membership.firstObserved));
  const window = policy.afterDays * dayMs;
  const lastActive = member.lastActivity?.ts ?? Number.NEGATIVE_INFINITY;
  // Each condition names the moment it stops holding a member back.
  if (lastActive > asOf - window) return { userId: member.userId, reason: "active", eligibleAt: lastActive + window };
  if (trackedSince > asOf - window) return { userId: member.userId, reason: "tracked-briefly", eligibleAt: trackedSince + window };
  if (since > asOf - window) return { userId: member.userId, reason: "joined-recently", eligibleAt: since + window };
  if (member.local && member.serverAdmin === undefined) return { userId: member.userId, reason: "admin-unknown" };
  return {
    userId: member.userId,
    kind,
    lastActivity: member.lastActivity,
    since,
    trackedSince,
    rooms: member.memberships.map((membership) => membership.roomId),
  };
}

export function decideKicks(members: readonly MemberEvidence[], policy: KickPolicy, asOf: number): Decision {
  const decision: Decision = { asOf, proposals: [], kept: [], needsAdminCheck: [] };
  for (const member of [...members].sort((a, b) => a.userId.localeCompare(b.userId))) {
    if (member.memberships.length === 0) continue;
    const outcome = judge(member, policy, asOf);
    if ("kind" in outcome) decision.proposals.push(outcome);
    else {
      decision.kept.push(outcome);
      if (outcome.reason === "admin-unknown") decision.needsAdminCheck.push(outcome.userId);
    }
  }
  return decision;
}

export interface CapVerdict {
  allowed: boolean;
  /** People counted: joined members (and pending invites with --revoke-invites), mxhome's own accounts and the admin account excluded. */
  population: number;
  removing: number;
  /** The most this run may remove. */
  limit: number;
  /** "share" from `[kick] max_share`, "max" from `--max <n>`. */
  by: "share" | "max";
}

/** Who counts for the cap: joined members, plus pending invites when they may be revoked; never mxhome's accounts nor the admin account. */
export function capPopulation(members: readonly MemberEvidence[], policy: KickPolicy): number {
  return members.filter((member) => {
    if (policy.protectedUsers.includes(member.userId) || member.userId === policy.adminUser) return false;
    const joined = member.memberships.some((membership) => membership.membership === "join");
    return joined || (policy.revokeInvites && member.memberships.length > 0);
  }).length;
}

/**
 * The safety cap: refuse a run that removes more than `maxShare` of the members, unless `--max` allows it.
 * Any share above 0 allows at least one removal: 0.2 of a Space of 4 rounds down to nobody, and a small
 * Space could then never lose an inactive member without `--max`. A share of 0 allows none (only `--max`).
 */
export function checkCap(proposals: number, population: number, maxShare: number, max?: number): CapVerdict {
  const share = Math.floor(maxShare * population + 1e-9);
  const limit = max ?? (maxShare > 0 && population > 0 ? Math.max(1, share) : share);
  return { allowed: proposals <= limit, population, removing: proposals, limit, by: max === undefined ? "share" : "max" };
}
