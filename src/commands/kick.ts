import { defineCommand } from "citty";
import { kickRefusal } from "../kick/act.ts";
import { formatKickReport } from "../kick/format.ts";
import { confirmedApplyCommand, parseKickOptions } from "../kick/options.ts";
import { runKick } from "../kick/run.ts";
import { synapseUrl } from "../runtime/up.ts";
import { resolveKickScopeRoot } from "../space/state.ts";
import { createSynapseHttp } from "../synapse/http.ts";
import { usageError } from "../ui/errors.ts";
import { askYesNo } from "../ui/ask-line.ts";
import { isInteractive } from "../ui/logger.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "kick", description: "Remove members inactive for N days from the Space and its rooms (a preview unless --apply)" },
  args: {
    observe: { type: "boolean", description: "Only record activity evidence (the daily timer does this first)" },
    apply: { type: "boolean", description: "Remove the proposed members from every scope room and the Space" },
    setup: { type: "boolean", description: "Put the bot in every scope room with exactly the power it needs" },
    "as-of": { type: "string", description: "Decide as if it were this (future) time, e.g. 2030-01-31", valueHint: "ISO time" },
    max: { type: "string", description: "Allow up to n removals in this run, overriding [kick] max_share", valueHint: "n" },
    "revoke-invites": { type: "boolean", description: "Also revoke invites that were never accepted in [kick] after_days" },
    ...dryRunArg,
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const options = parseKickOptions(args, Date.now());
    const config = env.config();
    const report = await runKick(
      {
        paths: env.paths,
        config,
        http: createSynapseHttp(synapseUrl(config), { timeoutMs: 120_000 }),
        now: Date.now,
        scopeRoot: () => resolveKickScopeRoot(env.paths, config),
        async confirm(question) {
          if (env.yes) return true;
          if (!isInteractive()) throw usageError("--apply removes members; confirm with --yes when not on a terminal.", "usage.kick-confirm", confirmedApplyCommand(args));
          return await askYesNo(question);
        },
      },
      options,
    );
    if (args.json) printJson("kick", report);
    else printText(formatKickReport(report, colorEnabled()));
    const refusal = kickRefusal(report);
    if (refusal) throw refusal;
  },
});
