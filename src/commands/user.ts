import { defineCommand } from "citty";
import { passwordSource } from "../accounts/admin-password.ts";
import { runUserAdd, runUserDeactivate, runUserList, runUserPassword, type PasswordOutcome } from "../accounts/manage-users.ts";
import { formatUserList } from "../accounts/users.ts";
import { MxError, usageError } from "../ui/errors.ts";
import { askYesNo } from "../ui/ask-line.ts";
import { isInteractive } from "../ui/logger.ts";
import { printJson, printText } from "../ui/output.ts";
import { commandEnvironment, globalArgs, jsonArg } from "./_shared.ts";
import { isTerminal } from "../ui/terminal.ts";

const passwordFileArg = {
  "password-file": { type: "string", description: "Read the password from this file (- for stdin); without it one is generated and shown once", valueHint: "file" },
} as const;

/** With --json, stdout carries one document: a generated password goes to a 0600 file instead. */
const onTerminal = (args: { json?: boolean }) => isTerminal(1) && !args.json;

const passwordWords = (outcome: PasswordOutcome) =>
  outcome.passwordFile ? ` The generated password is in ${outcome.passwordFile} (0600); hand it over privately, then delete the file.` : "";

const add = defineCommand({
  meta: { name: "add", description: "Create an account on this server (registration stays closed)" },
  args: {
    localpart: { type: "positional", required: true, description: "The user name, as in @<name>:<server>", valueHint: "name" },
    admin: { type: "boolean", description: "Make the account a server admin" },
    ...passwordFileArg,
    invite: { type: "boolean", description: "Also invite the new account to the Space" },
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const config = env.config();
    // Checked before the account exists, so a missing Space changes nothing.
    const space = args.invite ? await import("../space/state.ts") : undefined;
    space?.requireSpaceState(env.paths);
    const report = await runUserAdd(env.paths, config, { localpart: args.localpart, admin: Boolean(args.admin), password: await passwordSource(args["password-file"]), onTerminal: onTerminal(args) });
    const invite = space ? await (await import("../space/invite.ts")).runSpaceInvite(env.paths, config, [report.userId]) : undefined;
    if (args.json) printJson("user add", { ...report, ...(invite ? { invite } : {}) });
    else {
      printText(`Created ${report.userId}${report.admin ? " (server admin)" : ""}.${passwordWords(report)}`);
      if (invite?.users[0]?.outcome === "invited") printText(`Invited to the Space: ${invite.link}`);
    }
    const failed = invite?.users.find((user) => user.outcome !== "invited");
    if (failed) throw new MxError(`${report.userId} was created, but the invitation to the Space failed: ${failed.error ?? failed.outcome}.`, { code: "user.invite-failed", hint: `Try again: mxhome space invite ${report.userId}` });
  },
});

const list = defineCommand({
  meta: { name: "list", description: "Accounts on this server: admin, deactivated, last seen, devices; mxhome's own marked" },
  args: { ...jsonArg, ...globalArgs },
  async run({ args }) {
    const env = commandEnvironment(args);
    const users = await runUserList(env.paths, env.config());
    if (args.json) printJson("user list", { users });
    else printText(formatUserList(users));
  },
});

const password = defineCommand({
  meta: { name: "password", description: "Give an account a new password and sign out its devices" },
  args: {
    user: { type: "positional", required: true, description: "The user name or @name:server", valueHint: "name" },
    ...passwordFileArg,
    "keep-devices": { type: "boolean", description: "Leave the account's devices signed in" },
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runUserPassword(env.paths, env.config(), { user: args.user, password: await passwordSource(args["password-file"]), keepDevices: Boolean(args["keep-devices"]), onTerminal: onTerminal(args) });
    if (args.json) printJson("user password", report);
    else printText(`New password set for ${report.userId}; ${args["keep-devices"] ? "its devices stay signed in" : `${report.signedOut} device(s) signed out`}.${passwordWords(report)}`);
  },
});

async function confirmDeactivation(userId: string, erase: boolean, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!isInteractive()) throw usageError(`Deactivating ${userId} cannot be undone; nobody is here to confirm it.`, "user.needs-yes", `Run it again with --yes: mxhome user deactivate ${userId}${erase ? " --erase" : ""} --yes`);
  return await askYesNo(`Deactivate ${userId} for good${erase ? " and erase their messages and profile" : ""}?`);
}

const deactivate = defineCommand({
  meta: { name: "deactivate", description: "Close an account for good (its name is never given out again)" },
  args: {
    user: { type: "positional", required: true, description: "The user name or @name:server", valueHint: "name" },
    erase: { type: "boolean", description: "Also erase the account's messages and profile for everyone who joins later (GDPR erasure)" },
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const erase = Boolean(args.erase);
    const report = await runUserDeactivate(env.paths, env.config(), { user: args.user, erase, confirm: (userId) => confirmDeactivation(userId, erase, env.yes) });
    if (args.json) printJson("user deactivate", report);
    else printText(report.deactivated ? `Deactivated ${report.userId}${report.erased ? " and erased its messages and profile" : ""}.` : `${report.userId} was left as it is.`);
  },
});

export default defineCommand({
  meta: { name: "user", description: "Accounts on your server: add, list, new password, deactivate" },
  subCommands: { add, list, password, deactivate },
});
