import { defineCommand } from "citty";
import { resolve } from "node:path";
import { passphraseSource } from "../backup/passphrase.ts";
import { type PortOverrides, portSettings } from "../backup/ports.ts";
import { formatRestoreReport } from "../backup/report.ts";
import { runRestore } from "../backup/run-restore.ts";
import { mxhomeExecutable } from "../init/self.ts";
import { upCatchUpWatchMs } from "../runtime/up.ts";
import { usageError } from "../ui/errors.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { isTerminal } from "../ui/terminal.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

const portArg = (what: string) => ({ type: "string", description: `Use this ${what} port instead of the archived one`, valueHint: "port" }) as const;

function portOverrides(args: Record<string, unknown>): PortOverrides {
  const overrides: PortOverrides = {};
  for (const setting of portSettings) {
    const raw = args[setting.replace("_", "-")];
    if (raw === undefined) continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw usageError(`--${setting.replace("_", "-")} ${String(raw)} is not a port.`, "restore.bad-port", "Give a whole number from 1 to 65535.");
    }
    overrides[setting] = port;
  }
  return overrides;
}

export default defineCommand({
  meta: { name: "restore", description: "Restore a backup archive onto this machine (a fresh one, or with --force over this server)" },
  args: {
    archive: { type: "positional", description: "The archive `mxhome backup` wrote", required: true },
    force: { type: "boolean", description: "Replace the homeserver that is here (a backup of it is taken first)" },
    "passphrase-file": { type: "string", description: "An encrypted archive's passphrase, from this file (- for stdin); else asked on a terminal", valueHint: "file" },
    "catch-up": { type: "boolean", default: true, description: "Wake the other homeservers once Synapse answers (--no-catch-up: don't)" },
    "synapse-port": portArg("Synapse"),
    "caddy-port": portArg("Caddy"),
    "postgres-port": portArg("PostgreSQL"),
    ...dryRunArg,
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const report = await runRestore(env.paths, {
      archive: resolve(args.archive),
      force: Boolean(args.force),
      dryRun: Boolean(args["dry-run"]),
      passphrase: passphraseSource({ file: args["passphrase-file"], creating: false }),
      ports: portOverrides(args),
      mxhomeBinary: mxhomeExecutable(),
      onTerminal: isTerminal(1),
      catchUp: args["catch-up"] ? { watchMs: upCatchUpWatchMs } : undefined,
    });
    if (args.json) printJson("restore", report);
    else printText(formatRestoreReport(report, colorEnabled()));
  },
});
