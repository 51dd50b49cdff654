import { defineCommand } from "citty";
import { purge, purgeFailure } from "../purge/index.ts";
import { formatPurgeReport } from "../purge/report.ts";
import { isInteractive } from "../ui/logger.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "purge", description: "Purge old history and media, dead rooms, and reclaim database space" },
  args: {
    "older-than": {
      type: "string",
      description: "For this run, purge what is older than this instead of [retention] days: 7d, 36h, 90m, 45s, 2w",
      valueHint: "duration",
    },
    "as-of": { type: "string", description: "Evaluate as if it were this (past) moment, e.g. 2025-06-01T12:00:00Z", valueHint: "iso-time" },
    "vacuum-full": { type: "boolean", description: "VACUUM FULL: shrinks the database files, but locks each table while it runs" },
    ...dryRunArg,
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await purge(env.paths, env.config(), {
      dryRun: Boolean(args["dry-run"]),
      yes: env.yes,
      vacuumFull: Boolean(args["vacuum-full"]),
      olderThan: args["older-than"],
      asOf: args["as-of"],
      interactive: isInteractive(),
    });
    if (args.json) printJson("purge", report);
    else printText(formatPurgeReport(report, colorEnabled()));
    const failure = purgeFailure(report);
    if (failure) throw failure;
  },
});
