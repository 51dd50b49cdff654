import { defineCommand } from "citty";
import { formatDoctorReport } from "../doctor/format.ts";
import { runDoctor } from "../doctor/index.ts";
import { MxError } from "../ui/errors.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "doctor", description: "Find what is wrong and print the command that fixes it" },
  args: {
    offline: { type: "boolean", description: "Skip the checks that need the public internet (DNS, the Funnel URL)" },
    only: { type: "string", description: "Run one check (by id) or one category: host, config, services, exposure, jobs", valueHint: "id|category" },
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runDoctor({ paths: env.paths, offline: Boolean(args.offline), only: args.only });
    if (args.json) printJson("doctor", report);
    else printText(formatDoctorReport(report, { color: colorEnabled(), verbose: Boolean(args.verbose) }));
    // Exit 1 when a check failed; the report above already says what to do.
    const failed = report.summary.fail;
    if (failed > 0) throw new MxError(`${failed} check${failed === 1 ? "" : "s"} failed.`, { code: "doctor.failed" });
  },
});
