import { defineCommand } from "citty";
import { invalidConfigError } from "../config/load.ts";
import { formatStatus } from "../status/format.ts";
import { gatherStatus } from "../status/gather.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "status", description: "One screen: is it up, how big, what ran, what's next" },
  args: { ...jsonArg, ...globalArgs },
  async run({ args }) {
    const env = commandEnvironment(args);
    const now = new Date();
    const report = await gatherStatus({ paths: env.paths, now });
    if (args.json) printJson("status", report);
    else printText(formatStatus(report, { color: colorEnabled(), now }));
    // What could be seen is printed; a config that can't be read is still a config error (exit 2, file:line).
    if (!report.configured && report.problems) throw invalidConfigError(report.problems.join("\n"));
  },
});
