import { defineCommand } from "citty";
import { builtInReleaseKey } from "../upgrade/release-key.ts";
import { mxhomeExecutable } from "../init/self.ts";
import { refusalsError, runDeploymentUpgrade } from "../upgrade/deployment.ts";
import { forgetOldPostgres } from "../upgrade/postgres-major-run.ts";
import { formatDeploymentUpgrade, formatForget, formatSelfCheck, formatSelfUpgrade } from "../upgrade/report.ts";
import { runningBinary } from "../upgrade/install.ts";
import { checkDeploymentVersions } from "../upgrade/observe.ts";
import { checkSelf, type SelfContext, upgradeSelf } from "../upgrade/self.ts";
import { releaseLocation, releaseSource } from "../upgrade/source.ts";
import { refreshTimerPaths } from "../upgrade/timer-paths.ts";
import { formatDeploymentCheck } from "../upgrade/versions.ts";
import { askYesNo } from "../ui/ask-line.ts";
import { isInteractive } from "../ui/logger.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { mxhomeVersion } from "../version.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "upgrade",
    description:
      "Move Synapse and PostgreSQL to this mxhome's pins with a backup and a way back; --check reports first; --self replaces mxhome itself with the newest signed release",
  },
  args: {
    self: { type: "boolean", description: "Upgrade this mxhome binary: verify the release's signature, swap it in, keep the old as <binary>.previous" },
    check: {
      type: "boolean",
      description: "Change nothing: report what Synapse and PostgreSQL run against what this mxhome pins, and whether a newer mxhome exists (with --self: only that)",
    },
    from: { type: "string", description: "Release URL or directory to use instead of [upgrade] release_url", valueHint: "url|dir" },
    "allow-downgrade": { type: "boolean", description: "Install the release even when it is older than this mxhome" },
    "forget-old-postgres": { type: "boolean", description: "Remove the old PostgreSQL data directory a verified major upgrade kept" },
    ...dryRunArg,
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    if (args["forget-old-postgres"]) {
      const report = await forgetOldPostgres(env.paths, env.config());
      if (args.json) printJson("upgrade", { ok: true, check: false, forgetOldPostgres: report });
      else printText(formatForget(report));
      return;
    }
    if (!args.self && !args.check) {
      const report = await runDeploymentUpgrade(env.paths, env.config(), {
        dryRun: Boolean(args["dry-run"]),
        mxhomeBinary: mxhomeExecutable(),
        yes: env.yes,
        confirm: isInteractive() ? askYesNo : undefined,
      });
      if (args.json) printJson("upgrade", { ok: true, check: false, deployment: report });
      else printText(formatDeploymentUpgrade(report));
      if (report.plan.refusals.length) throw refusalsError(report.plan);
      return;
    }
    // Read (and validate) mxhome.toml before anything changes: it names the source and the timers to keep pointing here.
    const config = env.configExists() ? env.config() : undefined;
    const releaseConfigured = Boolean(args.from || config?.upgrade.release_url);
    // Named only when used: with neither --from nor release_url, it stops (exit 2) saying what to set.
    const selfContext = (): SelfContext => ({
      source: releaseSource(releaseLocation(args.from, config?.upgrade.release_url, env.paths.configFile)),
      binary: runningBinary(),
      currentVersion: mxhomeVersion,
      releaseKey: builtInReleaseKey,
      arch: `${process.platform}-${process.arch}`,
      cpu: process.arch,
    });
    const color = colorEnabled();
    if (args.check) {
      // Without --self, --check covers the deployment (when there is one) and mxhome itself (when a release source is set).
      const checkDeployment = !args.self && config !== undefined;
      const checkRelease = args.self || !checkDeployment || releaseConfigured;
      const [deployment, self] = await Promise.all([
        checkDeployment ? checkDeploymentVersions(env.paths, config) : undefined,
        checkRelease ? checkSelf(selfContext()) : undefined,
      ]);
      if (args.json) printJson("upgrade", { ok: true, check: true, ...(self && { self }), ...(deployment && { deployment }) });
      else printText([deployment && formatDeploymentCheck(deployment), self && formatSelfCheck(self, color)].filter(Boolean).join("\n\n"));
      return;
    }
    const context = selfContext();
    const report = await upgradeSelf(context, { allowDowngrade: Boolean(args["allow-downgrade"]) });
    if (report.outcome !== "up-to-date" && config) {
      // The binary is in place by now: a unit that can't be rewritten is a note, not a failed upgrade.
      try {
        const timers = await refreshTimerPaths(env.paths, config, context.binary);
        report.unitsRewritten = timers.rewritten;
        report.notes.push(...timers.notes);
      } catch (error) {
        report.notes.push(`The timers could not be pointed at ${context.binary} (${(error as Error).message}); run \`mxhome up\` to fix them.`);
      }
    }
    if (args.json) printJson("upgrade", { ok: true, check: false, self: report });
    else printText(formatSelfUpgrade(report, color));
  },
});
