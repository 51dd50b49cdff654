import { statusIcon, type Status } from "../ui/style.ts";
import type { InitReport } from "./run.ts";

const actionStatus: Record<string, Status> = { create: "ok", update: "ok", replace: "warn", edited: "warn", unchanged: "skip", keep: "skip" };
const pastTense: Record<string, string> = { create: "created", update: "updated", replace: "replaced", edited: "replaced", unchanged: "unchanged", keep: "kept" };

/** Pure: the human view of an init report. */
export function formatInitReport(report: InitReport, color: boolean): string {
  const verb = (action: string) => (report.dryRun ? `would ${action === "edited" ? "replace" : action}` : (pastTense[action] ?? action));
  const line = (action: string, what: string) => `  ${statusIcon(actionStatus[action] ?? "info", color)} ${verb(action).padEnd(16)} ${what}`;
  const lines = [
    `${report.dryRun ? "Dry run: nothing was written." : "Rendered"} ${report.serverName} (${report.runtime} runtime, public host ${report.publicHost})`,
    "",
    line(report.config.action, report.config.file),
    line(report.overrides.action, `${report.overrides.file} (yours; never rewritten)`),
    ...report.secrets.map((secret) => line(secret.action, `${secret.file} (secret, 0600)`)),
    ...report.files.map((file) => line(file.action, file.path)),
  ];
  if (report.config.backup) lines.push("", `Previous config kept at ${report.config.backup}`);
  if (report.backups.length) lines.push("", "Hand-edited files replaced; backups:", ...report.backups.map((b) => `  ${b}`));
  if (report.warnings.length) lines.push("", ...report.warnings.map((w) => `${statusIcon("warn", color)} ${w}`));
  lines.push("", `Next: ${report.nextSteps.join(", then ")}`);
  return lines.join("\n");
}
