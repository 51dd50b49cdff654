import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import type { AdminUser } from "../synapse/admin.ts";
import { MxError, usageError } from "../ui/errors.ts";
import { openSpaceActors, type SpaceActors } from "./actors.ts";
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
  users: { userId: string; outcome: InviteOutcome; error?: string; warning?: string }[];
}

/** What mxhome learnt about an invitee before inviting: a local account's record, or what the invitee's server said. */
export type InviteeEvidence =
  | { kind: "local"; user: AdminUser | undefined }
  | { kind: "remote"; answer: "devices" | "no-devices" | "unreachable"; detail?: string };

/**
 * Pure: an invitee who cannot exist here stops the whole command (a typo in
 * a local name invites nobody); doubts about a remote one are only a
 * warning, since their server may simply be down for a moment.
 */
export function judgeInvitee(userId: string, evidence: InviteeEvidence): { refusal?: string; warning?: string } {
  if (evidence.kind === "local") {
    if (!evidence.user) return { refusal: `${userId} has no account on this server` };
    if (evidence.user.deactivated) return { refusal: `${userId} is deactivated` };
    return {};
  }
  const server = userId.slice(userId.indexOf(":") + 1);
  if (evidence.answer === "no-devices") return { warning: `${server} knows no device of ${userId}: no such account, or it never signed in; check the spelling` };
  if (evidence.answer === "unreachable") return { warning: `could not check ${userId}: ${server} did not answer${evidence.detail ? ` (${evidence.detail})` : ""}` };
  return {};
}

interface KeysQueryAnswer {
  failures?: Record<string, unknown>;
  device_keys?: Record<string, Record<string, unknown>>;
  master_keys?: Record<string, unknown>;
}

/**
 * A remote invitee is looked up by asking their server, through Synapse, for
 * their devices (POST keys/query). Not by profile: mxhome's Synapse answers
 * profile lookups only between users who share a room
 * (limit_profile_requests_to_users_who_share_rooms), which no invitee does yet.
 */
async function gatherEvidence(actors: SpaceActors, userId: string): Promise<InviteeEvidence> {
  const server = userId.slice(userId.indexOf(":") + 1);
  if (server === actors.serverName) return { kind: "local", user: await actors.admin.user(userId) };
  try {
    const answer = await actors.admin.request<KeysQueryAnswer>("POST", "/_matrix/client/v3/keys/query", { body: { device_keys: { [userId]: [] }, timeout: 10_000 } });
    const failure = answer.failures?.[server];
    if (failure) return { kind: "remote", answer: "unreachable", detail: (failure as { message?: string }).message };
    const known = Object.keys(answer.device_keys?.[userId] ?? {}).length > 0 || answer.master_keys?.[userId] !== undefined;
    return { kind: "remote", answer: known ? "devices" : "no-devices" };
  } catch (error) {
    if (error instanceof MxError) return { kind: "remote", answer: "unreachable", detail: error.message };
    throw error;
  }
}

/** Every invitee checked before any invite is sent: exit 2 naming each local one that does not exist. */
async function checkInvitees(actors: SpaceActors, userIds: string[]): Promise<Map<string, string>> {
  const verdicts = await Promise.all(userIds.map(async (userId) => ({ userId, ...judgeInvitee(userId, await gatherEvidence(actors, userId)) })));
  const refused = verdicts.filter((verdict) => verdict.refusal);
  if (refused.length) {
    const localparts = refused.map((verdict) => verdict.userId.slice(1, verdict.userId.indexOf(":")));
    throw usageError(`Nobody was invited: ${refused.map((verdict) => verdict.refusal).join("; ")}.`, "space.invitee-unknown", `Create the account first: ${localparts.map((localpart) => `mxhome user add ${localpart}`).join("; ")}`);
  }
  const warnings = new Map<string, string>();
  for (const { userId, warning } of verdicts) if (warning) warnings.set(userId, warning);
  return warnings;
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
    const unique = [...new Set(userIds)];
    const warnings = await checkInvitees(actors, unique.filter((userId) => !inviteOutcomeFor(space.members[userId])));
    for (const userId of unique) {
      const known = inviteOutcomeFor(space.members[userId]);
      if (known) {
        report.users.push({ userId, outcome: known });
        continue;
      }
      const warning = warnings.get(userId);
      try {
        await (await actors.owner()).invite(state.spaceId, userId);
        report.users.push({ userId, outcome: "invited", ...(warning ? { warning } : {}) });
      } catch (error) {
        // One unreachable homeserver doesn't stop the other invitations.
        report.users.push({ userId, outcome: "failed", error: (error as Error).message, ...(warning ? { warning } : {}) });
      }
    }
    return report;
  } finally {
    await actors.release();
  }
}
