import { bold } from "../ui/style.ts";
import type { SelfCheck, SelfUpgradeReport } from "./self.ts";

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
