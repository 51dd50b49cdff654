import { defineCommand } from "citty";
import { formatCatchUpReport } from "../catchup/format.ts";
import { runCatchUp } from "../catchup/run.ts";
import { waitUntilHealthy } from "../runtime/health.ts";
import { synapseUrl } from "../runtime/up.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { MxError, usageError } from "../ui/errors.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "catch-up", description: "Make the other homeservers send now what they queued while this one was off (up, restore and a unit run it)" },
  args: {
    watch: { type: "string", description: "Watch the bot's /sync this many seconds for the first events (0: don't)", default: "30", valueHint: "seconds" },
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const watchSeconds = Number(args.watch);
    if (!Number.isFinite(watchSeconds) || watchSeconds < 0 || watchSeconds > 600) {
      throw usageError(`--watch ${args.watch} is not a number of seconds from 0 to 600.`, "usage.catch-up-watch", "mxhome catch-up --watch 30");
    }
    const config = env.config();
    // Run by a unit as soon as Synapse's container starts: wait until it answers (a first start migrates the schema).
    const health = await waitUntilHealthy({ label: "Synapse", url: `${synapseUrl(config)}/health`, timeoutMs: 300_000 });
    if (health !== "healthy") {
      throw new MxError("Synapse did not answer within 5 minutes, so no other server was woken.", { code: "catch-up.synapse-down", hint: "`mxhome status` shows what runs; `mxhome up` starts it, then runs catch-up." });
    }
    const report = await runCatchUp(env.paths, config, createSynapseHttp(synapseUrl(config)), { watchMs: watchSeconds * 1000 });
    if (args.json) printJson("catch-up", report);
    else printText(formatCatchUpReport(report, colorEnabled()));
  },
});
