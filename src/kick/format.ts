import { bold, dim, formatTable, statusIcon } from "../ui/style.ts";
import type { KeepReason } from "./decide.ts";
import { applyCommand, capWords, type KickReport } from "./report.ts";

/** The text view of a kick report (the same object `--json` prints). */
const keepWords: Record<KeepReason, string> = {
  "mxhome-account": "mxhome's own accounts",
  "admin-account": "your admin account",
  "server-admin": "server admin",
  "exempt-user": "exempt in [kick] exempt_users",
  "power-level": "power level at or above the exempt level",
  "invited-only": "invited, never joined",
  active: "active",
  "tracked-briefly": "not tracked long enough yet",
  "joined-recently": "joined recently",
  "admin-unknown": "not looked up",
};

const day = (at: string) => `${at.slice(0, 16).replace("T", " ")} UTC`;

function roomName(report: KickReport, roomId: string): string {
  return report.scope.rooms.find((room) => room.roomId === roomId)?.name ?? roomId;
}

function header(report: KickReport, color: boolean): string[] {
  const rooms = report.scope.rooms.length;
  const root = report.scope.root ? roomName(report, report.scope.root) : "rooms";
  const title = { observe: "Kick: observe", preview: "Kick preview", apply: "Kick", setup: "Kick setup" }[report.mode];
  const asOf = report.asOf === report.now ? "" : ` as of ${day(report.asOf)}`;
  const lines = [bold(`${title}${asOf}`, color) + dim(` (scope: ${root}, ${rooms} room${rooms === 1 ? "" : "s"}; inactive for ${report.policy.afterDays} days)`, color)];
  if (report.observation && report.ledger) {
    const started = report.observation.rooms.started.length;
    lines.push(
      `Evidence: ${report.observation.events} new item(s) from ${report.observation.rooms.observed} room(s)${started ? `, ${started} observed for the first time` : ""}; ledger tracking since ${day(report.ledger.trackingSince)}.`,
    );
  }
  return lines;
}

function proposalLines(report: KickReport, color: boolean): string[] {
  if (report.mode === "observe" || report.mode === "setup") return [];
  const verb = report.applied ? "Removed" : "Would remove";
  if (report.proposals.length === 0) return ["", `Nobody to remove (${report.population ?? 0} members).`];
  const rows = report.proposals.map((proposal) => [
    `  ${proposal.userId}${proposal.kind === "invite" ? " (invite)" : ""}`,
    proposal.lastActivity ? `last active ${day(proposal.lastActivity.at)} (${proposal.lastActivity.source})` : "no activity seen",
    `joined ${day(proposal.since)}`,
    proposal.rooms.map((roomId) => roomName(report, roomId)).join(", "),
  ]);
  return ["", bold(`${verb} ${report.proposals.length} of ${report.population ?? 0} members:`, color), formatTable(rows)];
}

function keptLine(report: KickReport): string[] {
  const parts = Object.entries(report.kept).map(([reason, count]) => `${keepWords[reason as KeepReason]} ${count}`);
  return parts.length ? [`Kept: ${parts.join(", ")}.`] : [];
}

function outcomeLines(report: KickReport, color: boolean): string[] {
  const lines: string[] = [];
  for (const outcome of report.outcomes ?? []) {
    const icon = statusIcon(outcome.result === "kicked" ? "ok" : outcome.result === "no-power" ? "warn" : "fail", color);
    const what = { kicked: "removed from", "no-power": "not removed (the bot lacks power) from", failed: "failed to remove from" }[outcome.result];
    lines.push(`  ${icon} ${outcome.userId} ${what} ${roomName(report, outcome.roomId)}${outcome.error ? `: ${outcome.error}` : ""}`);
  }
  return lines;
}

function setupLines(report: KickReport, color: boolean): string[] {
  if (!report.setup) return [];
  if (report.setup.steps.length === 0) return [`${statusIcon("ok", color)} The bot is in all ${report.setup.standings.length} scope rooms with the power it needs.`];
  return report.setup.steps.map((step) => {
    const icon = statusIcon(step.outcome === "failed" ? "fail" : step.outcome === "done" ? "ok" : "info", color);
    const changes = [step.join ? "join the bot" : "", step.raiseTo === undefined ? "" : `raise the bot ${step.from} → ${step.raiseTo}`].filter(Boolean).join(", ");
    const by = step.actor ? dim(` (as ${step.actor})`, color) : "";
    return `  ${icon} ${roomName(report, step.roomId)}: ${changes}${by}${step.error ? `: ${step.error}` : ""}`;
  });
}

function closing(report: KickReport): string[] {
  if (report.mode === "preview" && report.proposals.length) {
    const refused = report.cap && !report.cap.allowed ? report.cap : undefined;
    const cap = refused ? ` (the safety cap, ${capWords(report, refused)}, refuses it without --max ${refused.removing})` : "";
    return [`Nothing was removed (preview). To remove them: ${applyCommand(report, refused?.removing)}${cap}.`];
  }
  if (report.mode === "setup" && report.setup?.dryRun && report.setup.steps.length) return ["Nothing was changed (--dry-run)."];
  return [];
}

export function formatKickReport(report: KickReport, color: boolean): string {
  const lines = [...header(report, color), ...setupLines(report, color), ...proposalLines(report, color), ...outcomeLines(report, color), ...keptLine(report)];
  for (const warning of report.warnings) lines.push(`${statusIcon("warn", color)} ${warning}`);
  lines.push(...closing(report));
  return lines.join("\n");
}
