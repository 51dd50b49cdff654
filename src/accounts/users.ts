import type { AdminUserListEntry } from "../synapse/admin.ts";
import { usageError } from "../ui/errors.ts";
import type { AccountIds } from "./index.ts";

/**
 * Pure rules of `mxhome user`: which localparts Synapse accepts, which
 * accounts mxhome needs for itself, and whether an account may go.
 */

/** synapse.types.MXID_LOCALPART_ALLOWED_CHARACTERS (Synapse 1.163). */
const allowedLocalpart = /^[a-z0-9._=/+-]+$/;
/** synapse.api.constants.MAX_USERID_LENGTH. */
const maxUserIdLength = 255;

/**
 * Why Synapse's registration (handlers/register.py check_username) would
 * refuse this localpart, in its own words; undefined when it is fine.
 */
export function localpartProblem(localpart: string, serverName: string): string | undefined {
  if (localpart === "") return "a user id cannot be empty";
  if (!allowedLocalpart.test(localpart)) return "it may only contain a-z, 0-9 and = _ - . / + (lowercase, no @ and no :server part)";
  if (localpart.startsWith("_")) return "it may not begin with _ (reserved for bridges)";
  if (/^\d+$/.test(localpart)) return "numeric user ids are reserved for guest users";
  if (`@${localpart}:${serverName}`.length > maxUserIdLength) return `the whole user id may not be longer than ${maxUserIdLength} characters`;
  return undefined;
}

/**
 * The account a command names: a bare localpart (`alice`) or a full id on
 * this server (`@alice:example.org`). Accounts on other servers are theirs
 * to manage, so a remote id is a usage error.
 */
export function localUserId(arg: string, serverName: string): { localpart: string; userId: string } {
  const full = /^@([^:]*):(.+)$/.exec(arg);
  if (full && full[2] !== serverName) {
    throw usageError(`${arg} is an account on ${full[2]}, not on this server (${serverName}).`, "user.remote", "mxhome manages only accounts on your own server; people on other servers manage theirs there.");
  }
  const localpart = full ? full[1]! : arg;
  return { localpart, userId: `@${localpart}:${serverName}` };
}

const managedRole = (userId: string, ids: AccountIds) => (userId === ids.service ? "mxhome's service admin (it makes every admin API call)" : "mxhome's kick bot");

/** The tag `user list` shows for mxhome's own accounts. */
export function managedTag(userId: string, ids: AccountIds): "service" | "bot" | "admin_user" | undefined {
  if (userId === ids.service) return "service";
  if (userId === ids.bot) return "bot";
  if (userId === ids.admin) return "admin_user";
  return undefined;
}

/** Why an account may not be deactivated, and what to do instead. */
export interface Refusal {
  reason: string;
  hint: string;
}

/**
 * Why the account may not be deactivated, or undefined. The last active
 * human admin stays: without one nobody can run the server from a client
 * (mxhome's own service admin doesn't count, nobody logs in as it).
 */
export function deactivationRefusal(userId: string, ids: AccountIds, users: readonly AdminUserListEntry[]): Refusal | undefined {
  if (userId === ids.admin) {
    return { reason: "it is your admin account named by [server] admin_user; mxhome acts as it in the Space it owns", hint: "Point [server] admin_user at another admin account first, and run `mxhome up`." };
  }
  if (userId === ids.service || userId === ids.bot) {
    return { reason: `it is ${managedRole(userId, ids)}, which mxhome needs to run`, hint: "Leave it be; `mxhome down` stops the whole server if that is what you want." };
  }
  const target = users.find((user) => user.name === userId);
  const otherHumanAdmins = users.filter((user) => user.admin && !user.deactivated && user.name !== userId && managedTag(user.name, ids) !== "service" && managedTag(user.name, ids) !== "bot");
  if (target?.admin && !target.deactivated && otherHumanAdmins.length === 0) {
    return { reason: "it is the last server admin", hint: "Make another account admin first: mxhome user add <name> --admin" };
  }
  return undefined;
}

export interface UserRow {
  userId: string;
  admin: boolean;
  deactivated: boolean;
  /** ISO time of the last client request Synapse recorded; null when never seen. */
  lastSeen: string | null;
  devices: number;
  /** Set for the accounts mxhome needs itself. */
  mxhome?: "service" | "bot" | "admin_user";
}

export function userRow(entry: AdminUserListEntry, devices: number, ids: AccountIds): UserRow {
  const tag = managedTag(entry.name, ids);
  return {
    userId: entry.name,
    admin: entry.admin,
    deactivated: entry.deactivated,
    lastSeen: entry.last_seen_ts ? new Date(entry.last_seen_ts).toISOString() : null,
    devices,
    ...(tag ? { mxhome: tag } : {}),
  };
}

const tagWords = { service: "mxhome service", bot: "mxhome bot", admin_user: "admin_user" } as const;

/** The table `user list` prints: one line per account, sorted by id. */
export function formatUserList(rows: readonly UserRow[]): string {
  if (rows.length === 0) return "No accounts.";
  const cells = [...rows]
    .sort((a, b) => a.userId.localeCompare(b.userId))
    .map((row) => [
      row.userId,
      [row.admin ? "admin" : "", row.deactivated ? "deactivated" : ""].filter(Boolean).join(", ") || "-",
      row.lastSeen ? row.lastSeen.slice(0, 16).replace("T", " ") : "never",
      String(row.devices),
      row.mxhome ? tagWords[row.mxhome] : "",
    ]);
  const header = ["USER", "FLAGS", "LAST SEEN (UTC)", "DEVICES", "MXHOME"];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}
