import type { Session } from "../synapse/client.ts";
import { MxError } from "../ui/errors.ts";
import { ApplyInterrupted, applyKicks } from "./apply.ts";
import { checkCap } from "./decide.ts";
import type { Evaluation } from "./evaluate.ts";
import type { LedgerState } from "./ledger.ts";
import type { LedgerStore } from "./ledger-store.ts";
import { roomPowerLevels } from "./members.ts";
import { canKick } from "./power.ts";
import { applyCommand, capWords, type KickReport } from "./report.ts";
import type { KickDeps, KickOptions } from "./run.ts";
import type { PowerLevels, ScopeRoom } from "./types.ts";

/**
 * What happens after the decision. Preview: report it, with the rooms where
 * the bot could not remove a proposed member and what the safety cap would
 * say. Apply: remove them — unless the ledger started tracking in this very
 * run, a scope room is unobserved, or the run exceeds the cap.
 */
export interface ActInput {
  deps: KickDeps;
  options: KickOptions;
  report: KickReport;
  evaluation: Evaluation;
  bot: Session;
  ledgerState: LedgerState;
  rooms: readonly ScopeRoom[];
  ledger: LedgerStore;
}

export async function actOnDecision(input: ActInput): Promise<void> {
  const { report, evaluation, options, bot } = input;
  const proposals = evaluation.decision.proposals;
  const levels = new Map<string, PowerLevels>(input.ledger.rooms().map((room) => [room.roomId, roomPowerLevels(room)]));
  report.weakRooms = input.rooms
    .map((room) => room.roomId)
    .filter((roomId) => {
      const room = levels.get(roomId);
      return room !== undefined && proposals.some((proposal) => proposal.rooms.includes(roomId) && !canKick(room, bot.userId, proposal.userId));
    });
  if (report.weakRooms.length) report.warnings.push(`The bot lacks the power to remove proposed members in ${report.weakRooms.join(", ")}. Fix: mxhome kick --setup`);
  report.cap = checkCap(proposals.length, evaluation.population, input.deps.config.kick.max_share, options.max);
  if (options.mode !== "apply" || proposals.length === 0) return;
  if (input.ledgerState !== "opened") {
    report.held = "tracking-restarted";
    report.warnings.push("Tracking started in this run, so nobody is removed by it.");
    return;
  }
  if (report.scope.unobserved.length) return void (report.held = "unobserved-rooms");
  if (!report.cap.allowed) return void (report.held = "cap");
  const names = proposals.map((proposal) => proposal.userId).join(", ");
  if (!(await input.deps.confirm(`Remove ${proposals.length} member(s) from the Space and its rooms: ${names}?`))) {
    report.held = "declined";
    return;
  }
  try {
    report.outcomes = await applyKicks({ http: input.deps.http, bot, proposals, rooms: input.rooms, levels, reason: input.deps.config.kick.reason });
    report.applied = true;
  } catch (error) {
    if (error instanceof ApplyInterrupted) report.outcomes = error.outcomes;
    throw error;
  }
}

/** The error a run ends with after its report was printed; undefined when it went through. */
export function kickRefusal(report: KickReport): MxError | undefined {
  const failedSteps = (report.setup?.steps ?? []).filter((step) => step.outcome === "failed");
  if (failedSteps.length) {
    return new MxError(`Could not set up the bot in ${failedSteps.map((step) => `${step.roomId} (${step.error})`).join("; ")}.`, {
      code: "kick.setup-failed",
      hint: "Give the bot the power by hand (room settings → Roles & Permissions), or make a local member with power join the room, then run `mxhome kick --setup` again.",
    });
  }
  if (report.held === "cap" && report.cap) {
    const { removing, population, by } = report.cap;
    const raise = by === "share" ? ", or raise [kick] max_share in mxhome.toml for every run" : "";
    return new MxError(`Refusing to remove ${removing} of ${population} members: the safety cap allows ${capWords(report, report.cap)}.`, {
      code: "kick.cap",
      hint: `Check the list above. To remove them anyway: ${applyCommand(report, removing)}${raise}`,
    });
  }
  if (report.held === "unobserved-rooms") {
    return new MxError(`Refusing to remove anyone: the bot is not in ${report.scope.unobserved.join(", ")}, so activity there is unseen.`, {
      code: "kick.scope-unobserved",
      hint: "mxhome kick --setup   # puts the bot in every scope room with the power it needs",
    });
  }
  const failed = (report.outcomes ?? []).filter((outcome) => outcome.result === "failed");
  if (failed.length) {
    return new MxError(`${failed.length} removal(s) failed: ${failed.map((outcome) => `${outcome.userId} in ${outcome.roomId}: ${outcome.error}`).join("; ")}`, {
      code: "kick.failed",
      hint: "Run `mxhome kick --apply` again; `mxhome kick --setup` fixes rooms where the bot lacks power.",
    });
  }
  return undefined;
}
