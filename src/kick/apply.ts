import type { SynapseHttp } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import type { Proposal } from "./decide.ts";
import { canKick } from "./power.ts";
import type { PowerLevels, ScopeRoom } from "./types.ts";

/**
 * Removes each proposed member from every scope room they are in (child
 * rooms first, the Space last) as the bot, with the configured reason.
 * Rate limits are waited out by the HTTP layer (429 retry_after_ms). A room
 * where the bot lacks power is skipped and reported; if Synapse goes away
 * the run stops at once, and rerunning picks up where it stopped.
 */
export type KickResult = "kicked" | "no-power" | "failed";

export interface KickOutcome {
  userId: string;
  roomId: string;
  result: KickResult;
  error?: string;
}

export interface ApplyInput {
  http: SynapseHttp;
  bot: { userId: string; accessToken: string };
  proposals: readonly Proposal[];
  /** In removal order (orderForRemoval). */
  rooms: readonly ScopeRoom[];
  levels: ReadonlyMap<string, PowerLevels>;
  reason: string;
}

/** A failure that ends the run, carrying what was already done. */
export class ApplyInterrupted extends MxError {
  constructor(
    readonly outcomes: KickOutcome[],
    cause: MxError,
  ) {
    super(`Stopped after ${outcomes.filter((outcome) => outcome.result === "kicked").length} removals: ${cause.message}`, {
      code: "kick.apply-interrupted",
      hint: "Nothing else was changed. Run `mxhome kick --apply` again once Synapse answers: it continues where this run stopped.",
      cause,
    });
  }
}

export async function applyKicks(input: ApplyInput): Promise<KickOutcome[]> {
  const outcomes: KickOutcome[] = [];
  for (const proposal of input.proposals) {
    const theirs = new Set(proposal.rooms);
    for (const room of input.rooms.filter((candidate) => theirs.has(candidate.roomId))) {
      const levels = input.levels.get(room.roomId);
      if (!levels || !canKick(levels, input.bot.userId, proposal.userId)) {
        outcomes.push({ userId: proposal.userId, roomId: room.roomId, result: "no-power" });
        continue;
      }
      try {
        await input.http.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(room.roomId)}/kick`, {
          token: input.bot.accessToken,
          body: { user_id: proposal.userId, reason: input.reason },
        });
        outcomes.push({ userId: proposal.userId, roomId: room.roomId, result: "kicked" });
        log.info(`Removed ${proposal.userId} from ${room.name ?? room.roomId}.`);
      } catch (error) {
        if (error instanceof MxError && error.code === "synapse.unreachable") throw new ApplyInterrupted(outcomes, error);
        outcomes.push({ userId: proposal.userId, roomId: room.roomId, result: "failed", error: (error as Error).message });
      }
    }
  }
  return outcomes;
}
