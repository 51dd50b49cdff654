import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { accountIds, loadBotSession, loadServiceSession } from "../accounts/index.ts";
import type { CatchUpReport } from "../catchup/report.ts";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import type { KickScopeRoot } from "../space/state.ts";
import { acquireLock } from "../state/lock.ts";
import { readRunRecord, writeRunRecord } from "../state/runs.ts";
import { synapseAdmin } from "../synapse/admin.ts";
import type { SynapseHttp } from "../synapse/http.ts";
import { actOnDecision, kickRefusal } from "./act.ts";
import { evaluate } from "./evaluate.ts";
import { ledgerFile, openLedger } from "./ledger.ts";
import { observe } from "./observe.ts";
import { iso, type KickMode, type KickReport, keptViews, proposalViews, summarize } from "./report.ts";
import { resolveKickScope } from "./scope.ts";
import { runSetup } from "./setup.ts";
import type { KickPolicy } from "./types.ts";

/**
 * One `mxhome kick` run under the "kick" lock, leaving a run record:
 * resolve the scope, observe (every mode but --setup records evidence
 * first, so a decision never rests on stale evidence), decide at `asOf`,
 * and in apply mode act (act.ts). The clock, the HTTP transport and the
 * Space id are passed in.
 */
export interface KickDeps {
  paths: Paths;
  config: Config;
  http: SynapseHttp;
  now: () => number;
  /** Where `[kick] scope` starts (the Space `mxhome space create` recorded, or a configured room). */
  scopeRoot: () => KickScopeRoot;
  /** Asked before removing anyone; answers from --yes, a prompt, or refuses. */
  confirm: (question: string) => Promise<boolean>;
}

export interface KickOptions {
  mode: KickMode;
  /** Decide as if it were this time (default: now). */
  asOf?: number;
  /** --max <n>: allow up to n removals, overriding `[kick] max_share`. */
  max?: number;
  revokeInvites: boolean;
  /** --setup --dry-run: list the fixes, change nothing. */
  dryRun: boolean;
}

export function kickPolicy(config: Config, revokeInvites: boolean): KickPolicy {
  const ids = accountIds(config);
  return {
    afterDays: config.kick.after_days,
    exemptPowerLevel: config.kick.exempt_power_level,
    exemptUsers: config.kick.exempt_users,
    protectedUsers: [ids.bot, ids.service],
    adminUser: ids.admin,
    revokeInvites,
  };
}

async function execute(deps: KickDeps, options: KickOptions, report: KickReport): Promise<void> {
  const { paths, config, http } = deps;
  const bot = loadBotSession(paths);
  const service = loadServiceSession(paths);
  const admin = synapseAdmin(http, service.accessToken);
  const scope = await resolveKickScope(admin, config, deps.scopeRoot());
  report.scope = { ...scope, unobserved: [] };
  if (scope.unresolved) return void report.warnings.push(`Nothing to work on: ${scope.unresolved}.`);
  if (options.mode === "setup") {
    const input = { admin, http, bot, service, serverName: config.server.server_name, rooms: scope.rooms, dryRun: options.dryRun, now: deps.now };
    report.setup = { ...(await runSetup({ ...input, exemptPowerLevel: config.kick.exempt_power_level })), dryRun: options.dryRun };
    return;
  }
  const file = ledgerFile(paths);
  // Its directory outlives a deleted ledger file: then this is a rebuild, not a first run.
  const opened = openLedger(file, deps.now(), existsSync(dirname(file)));
  try {
    const { store } = opened;
    report.ledger = { id: store.id, file, state: opened.state, trackingSince: iso(store.createdAt) };
    if (opened.note) report.ledger.note = opened.note;
    if (opened.movedAside) report.ledger.movedAside = opened.movedAside;
    if (opened.state === "rebuilt") report.warnings.push(`The kick ledger was rebuilt (${opened.note}). Nobody can be proposed until tracking covers ${config.kick.after_days} days again.`);
    const fetchedActivity = (readRunRecord(paths, "catch-up")?.report as Partial<CatchUpReport> | undefined)?.fetchedActivity;
    const observation = await observe({ http, botUserId: bot.userId, botToken: bot.accessToken, admin, ledger: store, scope: scope.rooms, fetchedActivity, now: deps.now });
    report.observation = { ...observation, at: iso(observation.at) };
    report.scope.unobserved = observation.rooms.unobserved;
    if (observation.rooms.unobserved.length) {
      report.warnings.push(`The bot is not in ${observation.rooms.unobserved.length} scope room(s), so their activity is not seen: ${observation.rooms.unobserved.join(", ")}. Fix: mxhome kick --setup`);
    }
    if (options.mode === "observe") return;
    const policy = kickPolicy(config, options.revokeInvites);
    const evaluation = await evaluate(store, admin, config.server.server_name, policy, Date.parse(report.asOf), deps.now());
    Object.assign(report, { proposals: proposalViews(evaluation.decision), population: evaluation.population }, keptViews(evaluation.decision));
    await actOnDecision({ deps, options, report, evaluation, bot, ledgerState: opened.state, rooms: scope.rooms, ledger: store });
  } finally {
    opened.store.close();
  }
}

export async function runKick(deps: KickDeps, options: KickOptions): Promise<KickReport> {
  const release = acquireLock(deps.paths, "kick");
  const startedAt = deps.now();
  const { kick } = deps.config;
  const report: KickReport = {
    mode: options.mode,
    now: iso(startedAt),
    asOf: iso(options.asOf ?? startedAt),
    scope: { rooms: [], unobserved: [] },
    policy: {
      afterDays: kick.after_days,
      exemptPowerLevel: kick.exempt_power_level,
      exemptUsers: kick.exempt_users,
      maxShare: kick.max_share,
      ...(options.max === undefined ? {} : { max: options.max }),
      revokeInvites: options.revokeInvites,
      reason: kick.reason,
    },
    proposals: [],
    kept: {},
    keptMembers: [],
    weakRooms: [],
    applied: false,
    warnings: [],
    summary: "",
  };
  // A dry run changed nothing, so it is not a run of the job. Previews and setups are recorded apart
  // (kind), so "Last runs" and doctor's last-kick check show the last observe or apply run, never a what-if.
  const kind = options.mode === "observe" || options.mode === "apply" ? undefined : options.mode;
  const record = (ok: boolean, summary: string) =>
    options.dryRun ||
    writeRunRecord(deps.paths, { command: "kick", ...(kind ? { kind } : {}), startedAt: iso(startedAt), finishedAt: iso(deps.now()), ok, summary, report });
  try {
    await execute(deps, options, report);
    report.summary = summarize(report);
    record(kickRefusal(report) === undefined, report.summary);
    return report;
  } catch (error) {
    record(false, `${options.mode} failed: ${(error as Error).message}`);
    throw error;
  } finally {
    release();
  }
}
