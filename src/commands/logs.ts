import { defineCommand } from "citty";
import type { ServiceName } from "../render/types.ts";
import { serviceOrder } from "../runtime/runtime.ts";
import { runtimeFor } from "../runtime/select.ts";
import { usageError } from "../ui/errors.ts";
import { commandEnvironment, globalArgs } from "./_shared.ts";

export default defineCommand({
  meta: { name: "logs", description: "Show service logs (the journal under podman, log files natively)" },
  args: {
    service: { type: "positional", required: false, description: `One of ${serviceOrder.join(", ")}; all when omitted`, valueHint: serviceOrder.join("|") },
    follow: { type: "boolean", alias: "f", description: "Keep printing new lines until interrupted" },
    lines: { type: "string", alias: "n", description: "How many recent lines to show first (default: 100)", valueHint: "count" },
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const service = args.service as string | undefined;
    if (service !== undefined && !serviceOrder.includes(service as ServiceName)) {
      throw usageError(`Unknown service "${service}".`, "logs.unknown-service", `Choose one of: ${serviceOrder.join(", ")}.`);
    }
    const lines = args.lines === undefined ? 100 : Number(args.lines);
    if (!Number.isInteger(lines) || lines < 0) throw usageError(`--lines must be a whole number, not "${args.lines}".`, "logs.bad-lines");
    await runtimeFor(env.paths, env.config()).logs({ service: service as ServiceName | undefined, follow: Boolean(args.follow), lines });
  },
});
