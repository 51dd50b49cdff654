import { copyFileSync, existsSync } from "node:fs";
import { totalmem } from "node:os";
import type { Paths } from "../config/paths.ts";
import { loadConfig } from "../config/load.ts";
import { renderConfigToml } from "../config/render-toml.ts";
import { memoryHighForRam } from "../config/resources.ts";
import { type Config, publicHost, usesCustomDomain } from "../config/schema.ts";
import { serverNameChangeError, serverNameInUse } from "../accounts/server-name-in-use.ts";
import { writeFileAtomic } from "../io/fs.ts";
import { applyManagedWrites, assertWritable, planManagedWrites, refuseHandEdits, type WriteAction } from "../io/managed-files.ts";
import { renderDeployment, renderInputsFor } from "../render/index.ts";
import { ensureSecrets, type SecretResult } from "../secrets/ensure.ts";
import overridesTemplate from "../../templates/homeserver.overrides.yaml" with { type: "text" };
import { ExitCode, MxError } from "../ui/errors.ts";
import { applyAnswers, type InitAnswers } from "./answers.ts";

export interface InitOptions {
  answers: InitAnswers;
  force: boolean;
  dryRun: boolean;
  mxhomeBinary: string;
  now?: Date;
  /** This machine's RAM in bytes (tests pass one); a new mxhome.toml's memory ceiling follows it. */
  totalMemory?: number;
}

export interface InitReport {
  dryRun: boolean;
  serverName: string;
  publicHost: string;
  runtime: Config["runtime"]["kind"];
  config: { file: string; action: "create" | "unchanged" | "replace"; backup?: string };
  overrides: { file: string; action: "create" | "unchanged" };
  files: { path: string; action: WriteAction }[];
  backups: string[];
  secrets: SecretResult[];
  warnings: string[];
  nextSteps: string[];
}

function warningsFor(config: Config, paths: Paths): string[] {
  const warnings = [`The server name ${config.server.server_name} can never change once users exist: every user id and room carries it.`];
  if (!config.network.outbound_proxy) {
    warnings.push(
      "Funnel hides only incoming traffic: federation requests, key fetches and remote media leave from your home IP. Set --outbound-proxy (or use a Tailscale exit node) to hide it too.",
    );
  }
  if (usesCustomDomain(config)) {
    warnings.push(
      `server_name ${config.server.server_name} is not the Funnel host ${publicHost(config)}: host the two files in ${paths.wellKnownExportDir}/.well-known/matrix/ at https://${config.server.server_name}/.well-known/matrix/ (see README.txt there). A CNAME to the ts.net name cannot work.`,
    );
  }
  return warnings;
}

/**
 * `mxhome init`: validate everything, check every target, then write
 * mxhome.toml, secrets (only missing ones) and the rendered deployment.
 * Never destroys: existing secrets are kept, hand edits need --force and
 * leave a backup, and --dry-run writes nothing.
 */
export function runInit(paths: Paths, options: InitOptions): InitReport {
  const base = existsSync(paths.configFile) ? loadConfig(paths.configFile) : undefined;
  // Only a new mxhome.toml takes the machine's RAM: rerunning init never rewrites a chosen ceiling.
  const answers: InitAnswers =
    base || options.answers["memory-high"] !== undefined
      ? options.answers
      : { ...options.answers, "memory-high": memoryHighForRam(options.totalMemory ?? totalmem()) };
  const { config, problems, changed } = applyAnswers(base, answers);
  if (problems.length) {
    throw new MxError(problems.map((p) => p.message).join("\n"), { code: "init.invalid-flag", hint: "Run `mxhome init --help` for what each flag accepts.", exitCode: ExitCode.usage });
  }
  // Not even --force: a server whose accounts exist keeps its name.
  const renamed = serverNameChangeError(serverNameInUse(paths), config.server.server_name, paths);
  if (renamed) throw renamed;
  if (base && changed.length && !options.force) {
    throw new MxError(`${paths.configFile} exists and these flags would change it:\n${changed.map((c) => `  ${c}`).join("\n")}`, {
      code: "init.config-exists",
      hint: "Edit mxhome.toml and run `mxhome up`, or pass --force to rewrite it (a backup is kept).",
      exitCode: ExitCode.usage,
    });
  }
  const configAction = !base ? "create" : changed.length ? "replace" : "unchanged";
  const files = renderDeployment(renderInputsFor(config, paths, options.mxhomeBinary));
  const plan = planManagedWrites(files, paths.renderedManifestFile);
  const overridesAction = existsSync(paths.synapseOverridesFile) ? "unchanged" : "create";

  refuseHandEdits(plan, options.force);
  assertWritable([paths.configFile, paths.synapseOverridesFile, paths.secrets.signingKey, paths.renderedManifestFile, ...files.map((f) => f.path)]);

  const report: InitReport = {
    dryRun: options.dryRun,
    serverName: config.server.server_name,
    publicHost: publicHost(config),
    runtime: config.runtime.kind,
    config: { file: paths.configFile, action: configAction },
    overrides: { file: paths.synapseOverridesFile, action: overridesAction },
    files: plan.map((entry) => ({ path: entry.file.path, action: entry.action })),
    backups: [],
    secrets: ensureSecrets(paths, true),
    warnings: warningsFor(config, paths),
    nextSteps: ["mxhome up"],
  };
  if (options.dryRun) return report;

  if (configAction === "replace") {
    const backup = `${paths.configFile}.mxhome-backup-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, "-")}`;
    copyFileSync(paths.configFile, backup);
    report.config.backup = backup;
  }
  if (configAction !== "unchanged") writeFileAtomic(paths.configFile, renderConfigToml(config), 0o644);
  report.secrets = ensureSecrets(paths);
  if (overridesAction === "create") writeFileAtomic(paths.synapseOverridesFile, overridesTemplate, 0o644);
  report.backups = applyManagedWrites(plan, paths.renderedManifestFile, { force: options.force, now: options.now }).backups;
  return report;
}
