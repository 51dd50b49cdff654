import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { synapseAdmin, type SynapseAdmin } from "../synapse/admin.ts";
import { loginWithPassword, logout, type Session, whoami } from "../synapse/client.ts";
import { isMatrixError, type SynapseHttp } from "../synapse/http.ts";
import { registerWithSharedSecret } from "../synapse/register.ts";
import { readSecret } from "../secrets/store.ts";
import { MxError } from "../ui/errors.ts";
import { type PasswordSource, generatePassword, revealGeneratedPassword } from "./admin-password.ts";
import { credentialsFile, readCredentials, writeCredentials } from "./credentials.ts";
import { accountIds, serviceLocalpart } from "./index.ts";

/**
 * Brings the three accounts to their desired state against a running
 * Synapse. Idempotent: accounts that exist are never created again, and a
 * token that stopped working is replaced by logging in again.
 */
export type AccountOutcome = "verified" | "created" | "repaired";

export interface AccountsReport {
  service: AccountOutcome;
  bot: AccountOutcome;
  admin: "present" | "created";
  /** Where a generated admin password went when there was no terminal to show it on. */
  adminPasswordFile?: string;
  warnings: string[];
}

export interface EnsureAccountsInput {
  paths: Paths;
  config: Config;
  http: SynapseHttp;
  adminPassword: PasswordSource;
  /** Whether a generated password may be shown on stdout. */
  onTerminal: boolean;
}

async function tokenBelongsTo(http: SynapseHttp, token: string, userId: string): Promise<boolean> {
  try {
    return (await whoami(http, token)) === userId;
  } catch (error) {
    if (isMatrixError(error, "M_UNKNOWN_TOKEN")) return false;
    throw error;
  }
}

function lostCredentials(userId: string, file: string): MxError {
  return new MxError(`${userId} exists, but its credentials file ${file} is gone, so mxhome cannot log in as it.`, {
    code: "accounts.credentials-lost",
    hint: `Restore ${file} from a backup (\`mxhome restore\`). Otherwise reset the account's password with Synapse's admin API (PUT /_synapse/admin/v2/users/${userId}) and store it in that file as {"userId": …, "password": …}.`,
  });
}

async function ensureServiceAccount(input: EnsureAccountsInput, userId: string): Promise<{ session: Session; outcome: AccountOutcome }> {
  const { paths, http } = input;
  const stored = readCredentials(paths, "service");
  const file = credentialsFile(paths, "service");
  let session: Session | undefined;
  let outcome: AccountOutcome = "verified";
  if (stored?.accessToken && (await tokenBelongsTo(http, stored.accessToken, userId))) {
    session = { userId, accessToken: stored.accessToken, deviceId: stored.deviceId };
  } else {
    const password = stored?.password ?? generatePassword();
    // The password is on disk before the account exists, so a crash in between is recoverable.
    if (!stored) writeCredentials(paths, "service", { userId, password });
    // Registering first is right for a new account and for one whose creation was interrupted.
    session = await registerWithSharedSecret(http, { sharedSecret: readSecret(paths, "registrationSecret"), localpart: serviceLocalpart, password, admin: true }).catch(
      (error) => {
        if (isMatrixError(error, "M_USER_IN_USE")) return undefined;
        throw error;
      },
    );
    outcome = "created";
    if (!session) {
      if (!stored) throw lostCredentials(userId, file);
      session = await loginWithPassword(http, userId, password, "mxhome service").catch((error) => {
        if (!isMatrixError(error, "M_FORBIDDEN")) throw error;
        throw new MxError(`The password stored for ${userId} no longer works.`, {
          code: "accounts.service-password-changed",
          hint: `Someone changed it. Reset it with the admin API to the value in ${file}, then run \`mxhome up\`.`,
        });
      });
      outcome = "repaired";
    }
    writeCredentials(paths, "service", { userId, password, accessToken: session.accessToken, deviceId: session.deviceId });
  }
  if (!(await synapseAdmin(http, session.accessToken).isServerAdmin(userId))) {
    throw new MxError(`${userId} is no longer a server admin, so mxhome cannot use the admin API.`, {
      code: "accounts.service-not-admin",
      hint: `Make it admin again: as another admin, PUT /_synapse/admin/v2/users/${userId} with {"admin": true}.`,
    });
  }
  return { session, outcome };
}

async function ensureBotAccount(input: EnsureAccountsInput, admin: SynapseAdmin, userId: string): Promise<AccountOutcome> {
  const { paths, http } = input;
  const stored = readCredentials(paths, "bot");
  if (stored?.accessToken && (await tokenBelongsTo(http, stored.accessToken, userId))) return "verified";
  const exists = (await admin.user(userId)) !== undefined;
  const password = stored?.password ?? generatePassword();
  writeCredentials(paths, "bot", { userId, password });
  // Without stored credentials (or for a new bot) the service admin sets the password: no shared secret, no login rate limit.
  if (!exists || !stored) await admin.upsertUser(userId, { password, admin: false, ...(exists ? {} : { displayname: "mxhome bot" }) });
  const accessToken = await admin.loginAs(userId);
  writeCredentials(paths, "bot", { userId, password, accessToken });
  // The bot kicks in bulk; mxhome still honours 429s, but should not meet them for routine work.
  await admin.exemptFromRateLimits(userId);
  return exists ? "repaired" : "created";
}

async function ensureHumanAdmin(input: EnsureAccountsInput, admin: SynapseAdmin, userId: string, report: AccountsReport): Promise<void> {
  const existing = await admin.user(userId);
  if (existing) {
    if (input.adminPassword.kind === "given") report.warnings.push(`${userId} already exists; its password was left unchanged.`);
    if (!existing.admin) report.warnings.push(`${userId} exists but is not a server admin.`);
    return;
  }
  const password = input.adminPassword.kind === "given" ? input.adminPassword.password : generatePassword();
  const session = await registerWithSharedSecret(input.http, {
    sharedSecret: readSecret(input.paths, "registrationSecret"),
    localpart: input.config.server.admin_user,
    password,
    admin: true,
  });
  // Registration logs the new account in; mxhome has no use for that device, so it does not linger.
  await logout(input.http, session.accessToken);
  report.admin = "created";
  if (input.adminPassword.kind === "generate") {
    report.adminPasswordFile = revealGeneratedPassword(input.paths, userId, password, input.onTerminal).file;
  }
}

export async function ensureAccounts(input: EnsureAccountsInput): Promise<AccountsReport> {
  const ids = accountIds(input.config);
  const { session, outcome } = await ensureServiceAccount(input, ids.service);
  const admin = synapseAdmin(input.http, session.accessToken);
  const report: AccountsReport = { service: outcome, bot: "verified", admin: "present", warnings: [] };
  report.bot = await ensureBotAccount(input, admin, ids.bot);
  await ensureHumanAdmin(input, admin, ids.admin, report);
  return report;
}
