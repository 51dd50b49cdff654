import type { AccountsReport } from "../accounts/ensure.ts";
import { formatCatchUpOutcome } from "../catchup/format.ts";
import { statusIcon } from "../ui/style.ts";
import { describeAction, formatPlan, planDocument } from "./describe.ts";
import type { DownReport } from "./down.ts";
import type { UpReport } from "./up.ts";

function accountLines(accounts: AccountsReport, color: boolean): string[] {
  const outcomes: [string, string][] = [
    ["your admin account", accounts.admin],
    ["mxhome's service admin account", accounts.service],
    ["mxhome's bot account", accounts.bot],
  ];
  // Verified and present accounts are the quiet, normal case.
  const lines = outcomes
    .filter(([, outcome]) => outcome === "created" || outcome === "repaired")
    .map(([what, outcome]) => `${statusIcon("ok", color)} ${what} ${outcome}`);
  if (accounts.adminPasswordFile) {
    lines.push(`${statusIcon("warn", color)} Your admin password was generated and written to ${accounts.adminPasswordFile} (mode 0600). Read it, then delete the file.`);
  }
  for (const warning of accounts.warnings) lines.push(`${statusIcon("warn", color)} ${warning}`);
  return lines;
}

/** Pure: the human view of `mxhome up`. */
export function formatUpReport(report: UpReport, color: boolean): string {
  if (report.dryRun) return [`Dry run (${report.runtime} runtime): nothing was changed. \`mxhome up\` would:`, formatPlan(report.plan, color)].join("\n");
  const lines = report.changed
    ? [...report.plan.actions.map((action) => `${statusIcon("ok", color)} ${describeAction(action)}`)]
    : [`${statusIcon("ok", color)} Nothing changed: the machine already matches mxhome.toml.`];
  if (report.accounts) lines.push(...accountLines(report.accounts, color));
  lines.push(...formatCatchUpOutcome(report.catchUp, color));
  lines.push(...report.plan.notes.map((note) => `${statusIcon("info", color)} ${note}`));
  lines.push("", `Homeserver: ${report.endpoints.public} (on this machine: ${report.endpoints.local})`);
  return lines.join("\n");
}

/** Pure: the human view of `mxhome down`. */
export function formatDownReport(report: DownReport, color: boolean): string {
  if (report.dryRun) return [`Dry run (${report.runtime} runtime): nothing was changed. \`mxhome down\` would:`, formatPlan(report.plan, color)].join("\n");
  const lines = report.changed
    ? report.plan.actions.map((action) => `${statusIcon("ok", color)} ${describeAction(action)}`)
    : [`${statusIcon("ok", color)} Nothing was running.`];
  lines.push(...report.plan.notes.map((note) => `${statusIcon("info", color)} ${note}`));
  if (report.changed) lines.push("", "All data is kept. `mxhome up` starts everything again.");
  return lines.join("\n");
}

/** The `--json` document of either command: the report with each action's summary. */
export function reportDocument(report: UpReport | DownReport): object {
  return { ...report, plan: planDocument(report.plan) };
}
