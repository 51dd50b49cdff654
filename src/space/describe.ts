import type { CreateRoomRequest } from "../matrix/types.ts";
import { usageError } from "../ui/errors.ts";

/** Pure helpers for names, aliases, links and what a createRoom request does, in words. */

/** An alias localpart from a name: "Family & Friends" → "family-friends"; `fallback` when nothing is left. */
export function aliasFromName(name: string, fallback = "space"): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._=-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug || fallback;
}

/** Pure: the aliases to try for a room, in order: the slug, then slug-2, slug-3… */
export function* aliasCandidates(slug: string, limit = 100): Generator<string> {
  yield slug;
  for (let n = 2; n <= limit; n++) yield `${slug}-${n}`;
}

export function checkAliasLocalpart(alias: string): string {
  const localpart = alias.replace(/^#/, "").split(":")[0] ?? "";
  if (!/^[a-z0-9._=-]+$/.test(localpart)) {
    throw usageError(`"${alias}" is not an alias localpart.`, "space.bad-alias", "Use lowercase letters, digits and . _ = - only, e.g. --alias family.");
  }
  return localpart;
}

export function checkUserId(userId: string): string {
  if (!/^@[^:\s]+:[^\s]+$/.test(userId)) {
    throw usageError(`"${userId}" is not a Matrix user id.`, "space.bad-user-id", "Give full ids like @alice:example.org.");
  }
  return userId;
}

/** The link to share: matrix.to with the alias, else the room id and this server as `via`. */
export function matrixToLink(roomId: string, alias: string | undefined, serverName: string): string {
  return alias ? `https://matrix.to/#/${alias}` : `https://matrix.to/#/${roomId}?via=${encodeURIComponent(serverName)}`;
}

/** What creating a room does, in words (the dry-run plan). */
export function describeCreate(request: CreateRoomRequest, serverName: string, bot: string): string[] {
  const find = (type: string) => request.initial_state?.find((event) => event.type === type)?.content;
  const joinRule = find("m.room.join_rules");
  const botLevel = (request.power_level_content_override?.users as Record<string, number> | undefined)?.[bot];
  return [
    `create ${request.creation_content?.type === "m.space" ? "Space" : "room"} "${request.name}" (room version ${request.room_version})`,
    joinRule?.join_rule === "restricted" ? "join rule: members of the Space" : `join rule: ${joinRule?.join_rule}`,
    ...(request.room_alias_name ? [`alias #${request.room_alias_name}:${serverName}`] : []),
    `history visible to ${find("m.room.history_visibility")?.history_visibility === "shared" ? "members only" : find("m.room.history_visibility")?.history_visibility}`,
    ...(find("m.room.encryption") ? ["end-to-end encrypted"] : []),
    ...(find("m.space.parent") ? ["linked to the Space"] : []),
    `the bot invited at power level ${botLevel}`,
  ];
}
