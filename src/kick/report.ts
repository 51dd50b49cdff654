import type { KickOutcome } from "./apply.ts";
import type { CapVerdict, Decision, KeepReason, Kept } from "./decide.ts";
import type { LedgerState } from "./ledger.ts";
import type { ObservationReport } from "./observe.ts";
import type { SetupStep } from "./setup.ts";
import type { RoomStanding } from "./standing.ts";
import type { ActivitySource, ScopeRoom } from "./types.ts";

/**
 * What a `mxhome kick` run did, built before anything is printed: `--json`
 * prints it as is, the text view renders it (format.ts), and the run record
 * keeps it. Times are ISO strings.
 */
export type KickMode = "observe" | "preview" | "apply" | "setup";

export interface ProposalView {
  userId: string;
  kind: "member" | "invite";
  /** Newest evidence; absent when there is none at all. */
  lastActivity?: { at: string; source: ActivitySource; roomId?: string };
  /** Joined (or, for an invite, invited) at. */
  since: string;
  trackedSince: string;
  rooms: string[];
}

export interface KickReport {
  mode: KickMode;
  now: string;
  asOf: string;
  scope: { root?: string; rooms: ScopeRoom[]; unobserved: string[]; unresolved?: string };
  policy: { afterDays: number; exemptPowerLevel: number; exemptUsers: string[]; maxShare: number; max?: number; revokeInvites: boolean; reason: string };
  ledger?: { id: string; file: string; state: LedgerState; trackingSince: string; note?: string; movedAside?: string };
  observation?: Omit<ObservationReport, "at"> & { at: string };
  proposals: ProposalView[];
  /** How many members were kept, by reason; `keptMembers` names them. */
  kept: Partial<Record<KeepReason, number>>;
  keptMembers: Array<Omit<Kept, "eligibleAt"> & { eligibleAt?: string }>;
  population?: number;
  cap?: CapVerdict;
  /** Rooms where the bot is joined but can't remove these members. */
  weakRooms: string[];
  outcomes?: KickOutcome[];
  setup?: { standings: RoomStanding[]; steps: SetupStep[]; dryRun: boolean };
  applied: boolean;
  /** Why an apply run removed nobody although it could have proposed someone. */
  held?: "tracking-restarted" | "cap" | "unobserved-rooms" | "declined";
  warnings: string[];
  summary: string;
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function proposalViews(decision: Decision): ProposalView[] {
  return decision.proposals.map((proposal) => ({
    userId: proposal.userId,
    kind: proposal.kind,
    ...(proposal.lastActivity
      ? { lastActivity: { at: iso(proposal.lastActivity.ts), source: proposal.lastActivity.source, ...(proposal.lastActivity.roomId ? { roomId: proposal.lastActivity.roomId } : {}) } }
      : {}),
    since: iso(proposal.since),
    trackedSince: iso(proposal.trackedSince),
    rooms: proposal.rooms,
  }));
}

export function keptViews(decision: Decision): Pick<KickReport, "kept" | "keptMembers"> {
  const kept: Partial<Record<KeepReason, number>> = {};
  for (const member of decision.kept) kept[member.reason] = (kept[member.reason] ?? 0) + 1;
  const keptMembers = decision.kept.map((member) => ({
    userId: member.userId,
    reason: member.reason,
    ...(member.eligibleAt === undefined ? {} : { eligibleAt: iso(member.eligibleAt) }),
  }));
  return { kept, keptMembers };
}

/** The command that applies this run's decision: the same --as-of (followed literally, it must decide the same). */
export function applyCommand(report: KickReport, max?: number): string {
  const asOf = report.asOf === report.now ? "" : ` --as-of ${report.asOf}`;
  const revoke = report.policy.revokeInvites ? " --revoke-invites" : "";
  return `mxhome kick --apply${asOf}${revoke}${max === undefined ? "" : ` --max ${max}`}`;
}

/** The cap's limit and where it comes from: "1 of 5 by [kick] max_share = 0.2", "3 by --max". */
export function capWords(report: Pick<KickReport, "policy">, cap: CapVerdict): string {
  return cap.by === "max" ? `${cap.limit} by --max` : `${cap.limit} of ${cap.population} by [kick] max_share = ${report.policy.maxShare}`;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** The one line `status` and `doctor` show for this run. */
export function summarize(report: KickReport): string {
  if (report.scope.unresolved) return `nothing to do: ${report.scope.unresolved}`;
  const observed = report.observation
    ? `observed ${plural(report.observation.rooms.observed, "room")}, ${plural(report.observation.events, "event")}`
    : "";
  switch (report.mode) {
    case "observe":
      return observed;
    case "setup": {
      const steps = report.setup?.steps ?? [];
      const failed = steps.filter((step) => step.outcome === "failed").length;
      if (steps.length === 0) return "the bot is in every scope room with the power it needs";
      return `${report.setup?.dryRun ? "would fix" : "fixed"} ${plural(steps.length - failed, "room")}${failed ? `, ${failed} failed` : ""}`;
    }
    case "preview": {
      const asOf = report.asOf === report.now ? "" : `as of ${report.asOf.slice(0, 10)}, `;
      return `${observed}; preview: ${asOf}would remove ${plural(report.proposals.length, "member")} of ${report.population ?? 0}`;
    }
    case "apply": {
      const kicked = new Set((report.outcomes ?? []).filter((outcome) => outcome.result === "kicked").map((outcome) => outcome.userId));
      if (report.held) return `${observed}; removed nobody (${report.held}), ${plural(report.proposals.length, "member")} proposed`;
      return `${observed}; removed ${plural(kicked.size, "member")}`;
    }
  }
}
