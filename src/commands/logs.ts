import { defineCommand } from "citty";
import { availableParallelism } from "node:os";
import { workerLayout } from "../render/workers.ts";
import { chooseLogSources, logNames } from "../runtime/log-sources.ts";
import { runtimeFor } from "../runtime/select.ts";
import { usageError } from "../ui/errors.ts";
import { commandEnvironment, globalArgs } from "./_shared.ts";

export default defineCommand({
  meta: { name: "logs", description: "Show service logs (the journal under podman, log files natively); with [scale] workers also redis and synapse-worker1…" },
  args: {
    service: { type: "positional", required: false, description: "A service, redis or a Synapse worker (synapse-worker1…); all of this deployment's when omitted", valueHint: logNames.join("|") },
    follow: { type: "boolean", alias: "f", description: "Keep printing new lines until interrupted" },
    lines: { type: "string", alias: "n", description: "How many recent lines to show first (default: 100)", valueHint: "count" },
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const lines = args.lines === undefined ? 100 : Number(args.lines);
    if (!Number.isInteger(lines) || lines < 0) throw usageError(`--lines must be a whole number, not "${args.lines}".`, "logs.bad-lines");
    const config = env.config();
    const workers = workerLayout({ config, cpuCount: availableParallelism() })?.workers.map((worker) => worker.name) ?? [];
    const sources = chooseLogSources(args.service as string | undefined, workers);
    await runtimeFor(env.paths, config).logs({ sources, follow: Boolean(args.follow), lines });
  },
});
