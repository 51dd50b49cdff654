import { defineCommand } from "citty";
import { passwordSource } from "../accounts/admin-password.ts";
import { mxhomeExecutable } from "../init/self.ts";
import { formatUpReport, reportDocument } from "../runtime/report.ts";
import { blockersError, runUp, upCatchUpWatchMs } from "../runtime/up.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { isTerminal } from "../ui/terminal.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "up", description: "Start or converge the homeserver to mxhome.toml (idempotent)" },
  args: {
    "password-file": {
      type: "string",
      description: "Your admin account's first password, read from this file (- for stdin); without it one is generated",
      valueHint: "file",
    },
    force: { type: "boolean", description: "Replace hand-edited managed files (a backup of each is kept)" },
    "catch-up": { type: "boolean", default: true, description: "Wake the other homeservers once Synapse answers (--no-catch-up: don't)" },
    ...dryRunArg,
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runUp(env.paths, env.config(), {
      dryRun: Boolean(args["dry-run"]),
      force: Boolean(args.force),
      adminPassword: await passwordSource(args["password-file"]),
      // With --json, stdout carries one document: a generated password goes to a 0600 file instead.
      onTerminal: isTerminal(1) && !args.json,
      mxhomeBinary: mxhomeExecutable(),
      catchUp: args["catch-up"] ? { watchMs: upCatchUpWatchMs } : undefined,
    });
    if (args.json) printJson("up", reportDocument(report));
    else printText(formatUpReport(report, colorEnabled()));
    // A dry run shows the whole plan first, then fails as `up` would.
    if (report.plan.blockers.length) throw blockersError("up", report.plan);
  },
});
