import { defineCommand } from "citty";
import { mxhomeExecutable } from "../init/self.ts";
import { runDown } from "../runtime/down.ts";
import { formatDownReport, reportDocument } from "../runtime/report.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "down", description: "Stop the homeserver, keeping all data; pause mxhome's timers and Funnel mapping" },
  args: { ...dryRunArg, ...jsonArg, ...globalArgs },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runDown(env.paths, env.config(), { dryRun: Boolean(args["dry-run"]), mxhomeBinary: mxhomeExecutable() });
    if (args.json) printJson("down", reportDocument(report));
    else printText(formatDownReport(report, colorEnabled()));
  },
});
