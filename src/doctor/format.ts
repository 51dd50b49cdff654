import { bold, dim, statusIcon } from "../ui/style.ts";
import { type Category, categories, categoryTitles, type CheckResult, type DoctorReport } from "./types.ts";

/** Lines of detail shown under a warn or fail without --verbose. */
const shownDetails = 12;

function formatResult(result: CheckResult, color: boolean, verbose: boolean, width: number): string[] {
  const timing = verbose ? dim(` (${result.durationMs} ms)`, color) : "";
  const detail = result.status === "skip" ? dim(result.detail, color) : result.detail;
  // Plain icons are words (OK, WARN, SKIP): pad them to one width.
  const icon = color ? statusIcon(result.status, color) : statusIcon(result.status, color).padEnd(4);
  const lines = [`  ${icon} ${result.id.padEnd(width)}  ${detail}${timing}`];
  const indent = " ".repeat(width + (color ? 6 : 9));
  if (result.fix && (result.status === "warn" || result.status === "fail" || verbose)) lines.push(`${indent}${bold("fix:", color)} ${result.fix}`);
  const details = result.details ?? [];
  const showDetails = verbose || result.status === "warn" || result.status === "fail";
  if (showDetails && details.length) {
    const limit = verbose ? details.length : shownDetails;
    lines.push(...details.slice(0, limit).map((line) => `${indent}${line}`));
    if (details.length > limit) lines.push(`${indent}${dim(`… ${details.length - limit} more lines (--verbose shows them)`, color)}`);
  }
  return lines;
}

/** Pure: the human report, grouped by category, with one summary line. */
export function formatDoctorReport(report: DoctorReport, options: { color: boolean; verbose: boolean }): string {
  const width = Math.max(0, ...report.checks.map((result) => result.id.length));
  const sections: string[] = [];
  for (const category of categories as readonly Category[]) {
    const results = report.checks.filter((result) => result.category === category);
    if (results.length === 0) continue;
    sections.push([bold(categoryTitles[category], options.color), ...results.flatMap((result) => formatResult(result, options.color, options.verbose, width))].join("\n"));
  }
  const { summary } = report;
  const counts = `${summary.ok} ok · ${summary.info} info · ${summary.warn} warn · ${summary.fail} fail · ${summary.skip} skipped`;
  const verdict = summary.fail ? "Problems found: apply the fixes above, then run `mxhome doctor` again." : summary.warn ? "No failures; the warnings above deserve a look." : "No problems found.";
  return `${sections.join("\n\n")}\n\n${counts}\n${verdict}\n`;
}
