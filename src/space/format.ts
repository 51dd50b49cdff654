import { bold, dim, statusIcon } from "../ui/style.ts";
import type { SpaceChangeReport } from "./converge.ts";
import type { DemoteReport } from "./demote.ts";
import type { InviteReport } from "./invite.ts";
import type { ShowReport, ShownRoom } from "./show.ts";

/** Pure: the human text of each `space` report (`--json` prints the report itself). */
export function formatChangeReport(report: SpaceChangeReport, color: boolean): string {
  const lines: string[] = [];
  for (const [index, target] of [report.space, ...report.rooms].entries()) {
    const what = index === 0 ? "Space" : "room";
    const id = target.roomId ? dim(` ${target.roomId}`, color) : "";
    const verb = target.created ? (report.dryRun ? "would create" : "created") : target.changes.length ? (report.dryRun ? "would change" : "changed") : "unchanged";
    lines.push(`${statusIcon(target.created || target.changes.length ? "info" : "ok", color)} ${what} ${bold(target.name, color)}${id}: ${verb}`);
    for (const change of target.changes) lines.push(`    ${change}`);
  }
  if (!report.changed) lines.push("Nothing to change.");
  if (report.link) lines.push("", `Share: ${report.link}`);
  return lines.join("\n");
}

const joinRuleText = (room: ShownRoom) =>
  room.kind === "space" || room.restrictedToSpace === undefined
    ? room.joinRule === "invite" ? "invite only" : room.joinRule
    : room.restrictedToSpace ? "Space members" : `${room.joinRule} (not restricted to the Space)`;

export function formatShowReport(report: ShowReport, color: boolean): string {
  const lines: string[] = [];
  for (const room of report.rooms) {
    const indent = "  ".repeat(room.depth);
    const title = `${room.kind === "space" ? "Space" : "#"} ${bold(room.name ?? room.roomId, color)}${room.alias ? ` ${room.alias}` : ""}`;
    lines.push(`${indent}${title} ${dim(room.roomId, color)}`);
    const remote = room.members.joinedFromOtherServers ? `, ${room.members.joinedFromOtherServers} from ${room.members.otherServers.join(", ")}` : "";
    lines.push(`${indent}    joins: ${joinRuleText(room)} · ${room.encrypted ? "encrypted" : "not encrypted"} · history: ${room.historyVisibility}`);
    lines.push(`${indent}    members: ${room.members.joined} joined${remote}, ${room.members.invited} invited`);
    lines.push(`${indent}    power: ${room.powerLevels.map(({ userId, level }) => `${userId} ${level}`).join(", ") || "nobody above the default"}`);
  }
  for (const { roomId, error } of report.unreadable) lines.push(`${statusIcon("warn", color)} ${roomId}: ${error}`);
  if (report.unreachableWhileOff.length) {
    lines.push("", `${statusIcon("info", color)} No member from another homeserver has joined: ${report.unreachableWhileOff.join(", ")}.`);
    lines.push("   While this PC is off, nobody can reach these rooms.");
  }
  lines.push("", `Share: ${report.link}`);
  return lines.join("\n");
}

const inviteText: Record<InviteReport["users"][number]["outcome"], string> = {
  invited: "invited",
  "already-invited": "already invited",
  "already-member": "already a member",
  banned: "banned from the Space (unban them in your client first)",
  failed: "could not be invited",
};

export function formatInviteReport(report: InviteReport, color: boolean): string {
  const lines = report.users.map(({ userId, outcome, error, warning }) => {
    const status = outcome === "failed" || outcome === "banned" ? "fail" : warning ? "warn" : outcome === "invited" ? "ok" : "info";
    return `${statusIcon(status, color)} ${userId}: ${inviteText[outcome]}${error ? ` (${error})` : ""}${warning ? ` (warning: ${warning})` : ""}`;
  });
  return [...lines, "", `Share this link with them: ${report.link}`].join("\n");
}

export function formatDemoteReport(report: DemoteReport, color: boolean): string {
  if (report.steps.length === 0) return "Nobody named holds power above the default in the Space or its rooms.";
  return report.steps
    .map((step) => {
      const status = step.outcome === "cannot" ? "fail" : step.outcome === "lowered" ? "ok" : "info";
      const verb = step.outcome === "cannot" ? `stays at ${step.from}: ${step.reason}` : `${step.from} → ${step.to}${step.outcome === "would-lower" ? " (dry run)" : ""}`;
      return `${statusIcon(status, color)} ${step.userId} in ${step.room}: ${verb}`;
    })
    .join("\n");
}
