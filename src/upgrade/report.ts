import { bold } from "../ui/style.ts";
import { formatBytes } from "../doctor/format-units.ts";
import type { DeploymentUpgradeReport } from "./deployment.ts";
import type { ForgetReport } from "./postgres-major-run.ts";
import type { SelfCheck, SelfUpgradeReport } from "./self.ts";
import { formatDeploymentCheck } from "./versions.ts";

/** Pure: the text reports of `upgrade --self` and `upgrade --check`. */
export function formatSelfCheck(check: SelfCheck, color: boolean): string {
  const verdict =
    check.step === "newer"
      ? `A newer mxhome exists: ${bold(check.latest, color)}. Run \`mxhome upgrade --self\` to install it.`
      : check.step === "same"
        ? "This mxhome is the newest release."
        : `This mxhome is newer than the release offered (${check.latest}); nothing to do.`;
  return [
    `mxhome ${check.current} at ${check.binary}`,
    `newest release at ${check.source}: ${check.latest} (${check.file}, signature verified)`,
    verdict,
  ].join("\n");
}

export function formatSelfUpgrade(report: SelfUpgradeReport, color: boolean): string {
  if (report.outcome === "up-to-date") return `mxhome ${report.current} at ${report.binary} is already the newest release at ${report.source}; nothing changed.`;
  const arrow = color ? "→" : "->";
  const lines = [
    `mxhome ${report.outcome} ${report.current} ${arrow} ${bold(report.latest, color)} at ${report.binary}`,
    `The previous binary is kept at ${report.previous} (to go back: mv ${report.previous} ${report.binary}).`,
  ];
  if (report.unitsRewritten.length) lines.push(`Timers now run ${report.binary}: rewrote ${report.unitsRewritten.join(", ")}.`);
  lines.push(...report.notes.map((note) => `note: ${note}`));
  return lines.join("\n");
}

/** Pure: `mxhome upgrade`'s text: the versions, then the plan (--dry-run) or what was done. */
export function formatDeploymentUpgrade(report: DeploymentUpgradeReport): string {
  const lines = [formatDeploymentCheck(report.check).split("\n").slice(0, -1).join("\n"), ""];
  if (report.outcome === "up-to-date") lines.push("Nothing to upgrade: the deployment runs what this mxhome pins.");
  else if (report.steps.length) {
    lines.push(report.dryRun ? "mxhome upgrade would (nothing was changed):" : "Done:");
    lines.push(...report.steps.map((step, index) => `  ${index + 1}. ${step}`));
  }
  for (const refusal of report.plan.refusals) lines.push(`refused: ${refusal.message}\n  fix: ${refusal.fix}`);
  if (report.disk?.length) lines.push(`disk: ${report.disk.map((need) => `${need.what} ${formatBytes(need.bytes)}`).join(", ")} (measured)`);
  if (report.backup) lines.push(`pre-upgrade archive: ${report.backup} (kept until you delete it)`);
  const major = report.postgresMajor;
  if (major) {
    const counts = Object.entries(major.counts).map(([table, count]) => `${table} ${count}`).join(", ");
    lines.push(`PostgreSQL ${major.from} → ${major.to}: verified, the same rows (${counts}); the dump was ${formatBytes(major.dumpBytes)}`);
  }
  lines.push(...report.notes.map((note) => `note: ${note}`));
  return lines.join("\n");
}

/** Pure: `upgrade --forget-old-postgres`'s text. */
export function formatForget(report: ForgetReport): string {
  return report.alreadyGone
    ? `${report.removed} was already gone; nothing to remove.`
    : `Removed ${report.removed} (PostgreSQL ${report.from}'s data directory, kept since the upgrade to ${report.to}).`;
}
