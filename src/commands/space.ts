import { defineCommand } from "citty";
import { convergeSpace } from "../space/converge.ts";
import { runSpaceDemote } from "../space/demote.ts";
import { checkAliasLocalpart } from "../space/describe.ts";
import { formatChangeReport, formatDemoteReport, formatInviteReport, formatShowReport } from "../space/format.ts";
import { runSpaceInvite } from "../space/invite.ts";
import { runSpaceShow } from "../space/show.ts";
import { MxError } from "../ui/errors.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

/** `--room a --room b`: citty keeps only the last value of a repeated option. */
function repeated(rawArgs: string[], name: string): string[] {
  return rawArgs.flatMap((arg, index) => (arg === `--${name}` ? [rawArgs[index + 1] ?? ""] : arg.startsWith(`--${name}=`) ? [arg.slice(name.length + 3)] : []));
}

const roomArgs = {
  alias: { type: "string", description: "Alias on this server (localpart): #<alias>:<server>", valueHint: "localpart" },
  encryption: { type: "boolean", default: true, description: "End-to-end encryption in new rooms (--no-encryption turns it off)" },
  ...dryRunArg,
  ...jsonArg,
  ...globalArgs,
} as const;

function render(command: string, report: object, args: { json?: boolean }, text: (color: boolean) => string): void {
  if (args.json) printJson(`space ${command}`, report);
  else printText(text(colorEnabled()));
}

const create = defineCommand({
  meta: { name: "create", description: "Create the private, invite-only Space and its rooms (running it again changes nothing)" },
  args: { name: { type: "string", required: true, description: "The Space's name" }, room: { type: "string", description: "A room in the Space (repeat for more)", valueHint: "name" }, ...roomArgs },
  async run({ args, rawArgs }) {
    const env = commandEnvironment(args);
    const rooms = repeated(rawArgs, "room").map((name) => ({ name, encrypted: args.encryption !== false }));
    const report = await convergeSpace(env.paths, env.config(), { space: { name: args.name, alias: args.alias ? checkAliasLocalpart(args.alias) : undefined }, rooms, dryRun: Boolean(args["dry-run"]) });
    render("create", report, args, (color) => formatChangeReport(report, color));
  },
});

const addRoom = defineCommand({
  meta: { name: "add-room", description: "Add a room to the Space, joinable by the Space's members (or bring an existing one back in line)" },
  args: { room: { type: "positional", required: true, description: "The room's name", valueHint: "name" }, ...roomArgs },
  async run({ args }) {
    const env = commandEnvironment(args);
    const wish = { name: args.room, alias: args.alias ? checkAliasLocalpart(args.alias) : undefined, encrypted: args.encryption !== false };
    const report = await convergeSpace(env.paths, env.config(), { rooms: [wish], dryRun: Boolean(args["dry-run"]) });
    render("add-room", report, args, (color) => formatChangeReport(report, color));
  },
});

const invite = defineCommand({
  meta: { name: "invite", description: "Invite people to the Space and print the link to share" },
  args: { users: { type: "positional", required: true, description: "Matrix ids, like @alice:example.org", valueHint: "@user:server…" }, ...jsonArg, ...globalArgs },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runSpaceInvite(env.paths, env.config(), args._.map(String));
    render("invite", report, args, (color) => formatInviteReport(report, color));
    const failed = report.users.filter((user) => user.outcome === "failed" || user.outcome === "banned").length;
    if (failed) throw new MxError(`${failed} of ${report.users.length} could not be invited.`, { code: "space.invite-failed" });
  },
});

const show = defineCommand({
  meta: { name: "show", description: "The Space's tree: join rules, encryption, members, power levels, rooms unreachable while this PC is off" },
  args: { ...jsonArg, ...globalArgs },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runSpaceShow(env.paths, env.config());
    render("show", report, args, (color) => formatShowReport(report, color));
  },
});

const demote = defineCommand({
  meta: { name: "demote", description: "Lower users to the default power level in the Space and all its rooms" },
  args: { users: { type: "positional", required: true, description: "Matrix ids", valueHint: "@user:server…" }, ...dryRunArg, ...jsonArg, ...globalArgs },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runSpaceDemote(env.paths, env.config(), args._.map(String), Boolean(args["dry-run"]));
    render("demote", report, args, (color) => formatDemoteReport(report, color));
    const stuck = report.steps.filter((step) => step.outcome === "cannot").length;
    if (stuck) throw new MxError(`${stuck} level${stuck === 1 ? "" : "s"} could not be lowered; see above.`, { code: "space.demote-incomplete" });
  },
});

export default defineCommand({
  meta: { name: "space", description: "Create and guard the private, invite-only Space" },
  subCommands: { create, "add-room": addRoom, invite, show, demote },
});
