import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { synapseUrl } from "../runtime/up.ts";
import { synapseAdmin, type SynapseAdmin } from "../synapse/admin.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { acquireLock } from "../state/lock.ts";
import { usageError } from "../ui/errors.ts";
import { generatePassword, type PasswordSource, revealGeneratedPassword } from "./admin-password.ts";
import { accountIds, loadServiceToken } from "./index.ts";
import { deactivationRefusal, localpartProblem, localUserId, type UserRow, userRow } from "./users.ts";

/**
 * `mxhome user`: accounts on this server, through mxhome's service admin
 * (Synapse's admin API). Every refusal is decided before anything changes.
 */
interface UserContext {
  admin: SynapseAdmin;
  serverName: string;
}

function open(paths: Paths, config: Config): UserContext {
  return { admin: synapseAdmin(createSynapseHttp(synapseUrl(config)), loadServiceToken(paths)), serverName: config.server.server_name };
}

/** A change to accounts: one at a time, so two runs never decide on the same stale list. */
async function changing<T>(paths: Paths, config: Config, work: (context: UserContext) => Promise<T>): Promise<T> {
  const context = open(paths, config);
  const release = acquireLock(paths, "user");
  try {
    return await work(context);
  } finally {
    release();
  }
}

/** The named account, which must exist; exit 2 otherwise. */
async function existingUser(context: UserContext, arg: string) {
  const { userId } = localUserId(arg, context.serverName);
  const user = await context.admin.user(userId);
  if (!user) throw usageError(`There is no account ${userId}.`, "user.unknown", "`mxhome user list` shows the accounts; `mxhome user add <name>` creates one.");
  return user;
}

/** Where the password a command set went, when mxhome generated it. */
export interface PasswordOutcome {
  generated: boolean;
  /** Set when a generated password went to a 0600 file (no terminal to show it on). */
  passwordFile?: string;
}

function settlePassword(paths: Paths, source: PasswordSource): { password: string; reveal(userId: string, onTerminal: boolean, fileName: string): PasswordOutcome } {
  const password = source.kind === "given" ? source.password : generatePassword();
  return {
    password,
    reveal: (userId, onTerminal, fileName) =>
      source.kind === "given" ? { generated: false } : { generated: true, passwordFile: revealGeneratedPassword(paths, userId, password, onTerminal, fileName).file },
  };
}

export interface UserAddOptions {
  localpart: string;
  admin: boolean;
  password: PasswordSource;
  onTerminal: boolean;
}

export interface UserAddReport extends PasswordOutcome {
  userId: string;
  admin: boolean;
}

export async function runUserAdd(paths: Paths, config: Config, options: UserAddOptions): Promise<UserAddReport> {
  const serverName = config.server.server_name;
  const { localpart, userId } = localUserId(options.localpart, serverName);
  const problem = localpartProblem(localpart, serverName);
  if (problem) throw usageError(`"${localpart}" cannot be a user name: ${problem}.`, "user.bad-localpart", "Pick a name of lowercase letters and digits, like alice or bob.smith.");
  return changing(paths, config, async (context) => {
    const existing = await context.admin.user(userId);
    if (existing) {
      throw usageError(`${userId} already exists${existing.deactivated ? " (deactivated; a name is never given out twice)" : ""}.`, "user.exists",
        existing.deactivated ? "Pick another name." : `To give it a new password: mxhome user password ${localpart}`);
    }
    const password = settlePassword(paths, options.password);
    // PUT v2/users creates the account without the shared secret or a login, so no login rate limit and no stray device.
    await context.admin.upsertUser(userId, { password: password.password, admin: options.admin });
    return { userId, admin: options.admin, ...password.reveal(userId, options.onTerminal, `${localpart}-initial-password`) };
  });
}

/** Device counts are one request each; a few at a time keeps a few hundred accounts quick without flooding Synapse. */
const deviceLookupsAtOnce = 8;

export async function runUserList(paths: Paths, config: Config): Promise<UserRow[]> {
  const context = open(paths, config);
  const ids = accountIds(config);
  const entries = await context.admin.listUsers();
  const rows: UserRow[] = [];
  for (let start = 0; start < entries.length; start += deviceLookupsAtOnce) {
    const batch = entries.slice(start, start + deviceLookupsAtOnce);
    const counts = await Promise.all(batch.map((entry) => context.admin.deviceCount(entry.name)));
    batch.forEach((entry, index) => rows.push(userRow(entry, counts[index]!, ids)));
  }
  return rows;
}

export interface UserPasswordOptions {
  user: string;
  password: PasswordSource;
  keepDevices: boolean;
  onTerminal: boolean;
}

export interface UserPasswordReport extends PasswordOutcome {
  userId: string;
  /** Devices signed out (0 with --keep-devices). */
  signedOut: number;
}

export async function runUserPassword(paths: Paths, config: Config, options: UserPasswordOptions): Promise<UserPasswordReport> {
  return changing(paths, config, async (context) => {
    const user = await existingUser(context, options.user);
    if (user.deactivated) throw usageError(`${user.name} is deactivated; it cannot get a password again.`, "user.deactivated", "Create a new account: mxhome user add <name>");
    const signedOut = options.keepDevices ? 0 : await context.admin.deviceCount(user.name);
    const password = settlePassword(paths, options.password);
    await context.admin.resetPassword(user.name, password.password, !options.keepDevices);
    const localpart = localUserId(user.name, context.serverName).localpart;
    return { userId: user.name, signedOut, ...password.reveal(user.name, options.onTerminal, `${localpart}-new-password`) };
  });
}

export interface UserDeactivateOptions {
  user: string;
  erase: boolean;
  /** Asked after every check passed, just before the change; false keeps the account. */
  confirm(userId: string): Promise<boolean>;
}

export interface UserDeactivateReport {
  userId: string;
  deactivated: boolean;
  erased: boolean;
}

export async function runUserDeactivate(paths: Paths, config: Config, options: UserDeactivateOptions): Promise<UserDeactivateReport> {
  return changing(paths, config, async (context) => {
    const user = await existingUser(context, options.user);
    if (user.deactivated) throw usageError(`${user.name} is already deactivated.`, "user.deactivated");
    const refusal = deactivationRefusal(user.name, accountIds(config), await context.admin.listUsers());
    if (refusal) throw usageError(`mxhome will not deactivate ${user.name}: ${refusal.reason}.`, "user.protected", refusal.hint);
    if (!(await options.confirm(user.name))) return { userId: user.name, deactivated: false, erased: false };
    await context.admin.deactivate(user.name, options.erase);
    return { userId: user.name, deactivated: true, erased: options.erase };
  });
}
