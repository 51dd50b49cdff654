import { defineCommand } from "citty";
import { readTailscaleStatus, funnelHostFromStatus } from "../tailscale/status.ts";
import { type InitAnswers, initFlagKeys } from "../init/answers.ts";
import { promptMissingAnswers } from "../init/prompt.ts";
import { formatInitReport } from "../init/report.ts";
import { runInit } from "../init/run.ts";
import { mxhomeExecutable } from "../init/self.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "init", description: "Write mxhome.toml and render the whole deployment from it (asks, or takes flags with --yes)" },
  args: {
    "server-name": { type: "string", description: "Your server name, e.g. pc.tailnet.ts.net, without a port (default: the Funnel host from `tailscale status`)", valueHint: "host" },
    "public-host": { type: "string", description: "The Funnel host, when the server name is a custom domain", valueHint: "host" },
    "admin-user": { type: "string", description: "Your admin account's localpart (default: admin)", valueHint: "name" },
    "retention-days": { type: "string", description: "Purge history and media older than this (default: 14)", valueHint: "days" },
    "max-upload": { type: "string", description: "Largest upload, with a unit K, M or G, e.g. 10M (default: 10M)", valueHint: "size" },
    "kick-after-days": { type: "string", description: "Inactivity before a member is proposed for removal (default: 30)", valueHint: "days" },
    runtime: { type: "string", description: "podman (default) or native (plain processes)", valueHint: "podman|native" },
    "outbound-proxy": { type: "string", description: "HTTP(S) proxy for Synapse's outgoing traffic, to hide your home IP", valueHint: "url" },
    "synapse-port": { type: "string", description: "Synapse's loopback port (default: 8008); the three ports must differ", valueHint: "port" },
    "caddy-port": { type: "string", description: "Caddy's loopback port that Funnel forwards to (default: 8080)", valueHint: "port" },
    "postgres-port": { type: "string", description: "PostgreSQL's loopback port (default: 5433)", valueHint: "port" },
    "memory-high": { type: "string", description: "Podman runtime: Synapse's memory ceiling, e.g. 2G (default: a quarter of the RAM, 1G-4G)", valueHint: "size" },
    workers: { type: "string", description: 'Synapse workers with Redis: "off" (default), "auto" or a number; see "Growing" in the README', valueHint: "off|auto|n" },
    "workers-first-port": { type: "string", description: "With workers: first loopback port they use (default: 8100)", valueHint: "port" },
    force: { type: "boolean", description: "Replace hand-edited files and rewrite an existing mxhome.toml (backups are kept)" },
    ...dryRunArg,
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    let answers: InitAnswers = Object.fromEntries(
      Object.keys(initFlagKeys).flatMap((flag) => (typeof args[flag] === "string" ? [[flag, args[flag]]] : [])),
    );
    if (!answers["server-name"]) {
      const funnelHost = funnelHostFromStatus((await readTailscaleStatus()) ?? {});
      answers = await promptMissingAnswers(answers, { suggestedServerName: funnelHost, yes: env.yes, configExists: env.configExists() });
    }
    const report = runInit(env.paths, { answers, force: Boolean(args.force), dryRun: Boolean(args["dry-run"]), mxhomeBinary: mxhomeExecutable() });
    if (args.json) printJson("init", report);
    else printText(formatInitReport(report, colorEnabled()));
  },
});
