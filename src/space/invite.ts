import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { usageError } from "../ui/errors.ts";
import { openSpaceActors } from "./actors.ts";
import { checkUserId, matrixToLink } from "./describe.ts";
import { adminStateReader, readSnapshot } from "./observe.ts";
import type { Membership } from "./snapshot.ts";
import { requireSpaceState } from "./state.ts";

/**
 * `space invite`: invites people to the Space (as the admin), never twice,
 * and gives the link to share. Invited people join the Space, then any of
 * its rooms (their join rule admits the Space's members).
 */
export type InviteOutcome = "invited" | "already-invited" | "already-member" | "banned" | "failed";

export interface InviteReport {
  spaceId: string;
  link: string;
  users: { userId: string; outcome: InviteOutcome; error?: string }[];
}

/** Pure: what to do for a user, given their membership in the Space. */
export function inviteOutcomeFor(membership: Membership | undefined): Exclude<InviteOutcome, "invited" | "failed"> | undefined {
  if (membership === "join") return "already-member";
  if (membership === "invite") return "already-invited";
  if (membership === "ban") return "banned";
  return undefined;
}

export async function runSpaceInvite(paths: Paths, config: Config, userIds: string[]): Promise<InviteReport> {
  if (userIds.length === 0) throw usageError("Name at least one person to invite.", "space.no-invitee", "mxhome space invite @alice:example.org");
  userIds.forEach(checkUserId);
  const state = requireSpaceState(paths);
  const actors = openSpaceActors(paths, config);
  try {
    const space = await readSnapshot(adminStateReader(actors.admin), state.spaceId);
    const report: InviteReport = { spaceId: state.spaceId, link: matrixToLink(state.spaceId, space.canonicalAlias, actors.serverName), users: [] };
    for (const userId of [...new Set(userIds)]) {
      const known = inviteOutcomeFor(space.members[userId]);
      if (known) {
        report.users.push({ userId, outcome: known });
        continue;
      }
      try {
        await (await actors.owner()).invite(state.spaceId, userId);
        report.users.push({ userId, outcome: "invited" });
      } catch (error) {
        // One unreachable homeserver doesn't stop the other invitations.
        report.users.push({ userId, outcome: "failed", error: (error as Error).message });
      }
    }
    return report;
  } finally {
    await actors.release();
  }
}
