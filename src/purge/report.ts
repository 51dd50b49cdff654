import { formatBytes } from "../doctor/format-units.ts";
import { bold, dim, formatTable, type Status, statusIcon } from "../ui/style.ts";
import type { DeadRoom } from "./dead-rooms.ts";
import type { PurgeReport, SizeChange, StepBase, StepStatus } from "./types.ts";

/** Renders a purge report for people, and the one-line summary kept in the run record. Pure. */
const count = (value: number) => value.toLocaleString("en-US");
const plural = (value: number, word: string, words = `${word}s`) => `${count(value)} ${value === 1 ? word : words}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const utc = (iso: string) => `${iso.slice(0, 19).replace("T", " ")} UTC`;

const icons: Record<StepStatus, Status> = { done: "ok", nothing: "ok", planned: "info", skipped: "warn", failed: "fail", "not-run": "skip" };
const words: Record<StepStatus, string> = {
  done: "done",
  nothing: "nothing to do",
  planned: "would go",
  skipped: "skipped",
  failed: "failed",
  "not-run": "not run",
};

function stepFigures(report: PurgeReport): [string, StepBase, string][] {
  const { deadRooms, history, media, space } = report.steps;
  const mediaText = `${plural(media.local.items, "local file")} (${formatBytes(media.local.bytes)}), ${plural(media.remote.items, "cached remote file")} (${formatBytes(media.remote.bytes)})`;
  return [
    ["dead rooms", deadRooms, `${plural(deadRooms.deleted, "room")} (${plural(deadRooms.events, "event")})`],
    ["history", history, `${plural(history.events, "event")} in ${count(history.roomsPurged)} of ${plural(history.rooms, "room")}`],
    ["media", media, mediaText],
    ["space", space, `${space.vacuum}, ${plural(space.emptyDirectories, "empty directory", "empty directories")} ${report.dryRun ? "in the media store now" : "removed"}`],
  ];
}

const sizeText = (size: SizeChange) =>
  size.before === undefined ? "unknown" : size.after === undefined ? formatBytes(size.before) : `${formatBytes(size.before)} → ${formatBytes(size.after)}`;

const roomLabel = (room: DeadRoom) =>
  `${room.roomId}${room.alias ? ` ${room.alias}` : ""}${room.name ? ` "${room.name}"` : ""}${room.remoteMembers ? ` (${plural(room.remoteMembers, "remote member")})` : ""}`;

const deadRoomsHeading: Record<StepStatus, string> = {
  done: "Deleted (no local user was in them):",
  failed: "Rooms no local user is in (see the failures below):",
  planned: "Would delete (no local user is in them):",
  skipped: "Kept for now (no local user is in them):",
  nothing: "",
  "not-run": "Rooms no local user is in:",
};

export function formatPurgeReport(report: PurgeReport, color: boolean): string {
  const heading = report.dryRun ? "mxhome purge --dry-run: nothing was changed; this is what would go." : "mxhome purge";
  const lines = [
    bold(heading, color),
    `Cut-off ${utc(report.before)}: what was last used before it goes (older than ${report.window.text}${report.window.source === "retention" ? ", [retention] days" : ""}, counted back from ${utc(report.asOf)}).`,
    "",
  ];
  const figures = stepFigures(report);
  const rows = figures.map(([name, step, text]) => [
    statusIcon(icons[step.status], color),
    name,
    step.status === "planned" && name === "space" ? "would run" : words[step.status],
    step.status === "done" || step.status === "planned" || step.status === "failed" ? text : "",
    step.durationMs >= 50 ? seconds(step.durationMs) : "",
  ]);
  lines.push(formatTable(rows), "");
  lines.push(formatTable([
    ["database", sizeText(report.sizes.databaseBytes)],
    ["media store", sizeText(report.sizes.mediaStoreBytes)],
  ]));
  const { deadRooms, history } = report.steps;
  if (deadRooms.rooms.length) lines.push("", deadRoomsHeading[deadRooms.status], ...deadRooms.rooms.map((room) => `  ${roomLabel(room)}`));
  for (const [name, step] of figures) {
    if (step.note) lines.push("", `${name}: ${step.note}`);
    if (step.error) lines.push("", `${name}: ${step.error}`);
  }
  for (const failure of [...deadRooms.failures, ...history.failures]) lines.push(`  ${failure.roomId}: ${failure.error}`);
  if (!report.dryRun && report.sizes.databaseBytes.after !== undefined) {
    lines.push("", dim("A plain VACUUM makes the freed space reusable; the files shrink only with --vacuum-full.", color));
  }
  return lines.join("\n");
}

/** The run record's line for `status` and `doctor`. */
export function summarizePurge(report: PurgeReport): string {
  if (report.error && report.steps.space.status !== "done") return report.error.message.split("\n")[0]!;
  const { deadRooms, history, media } = report.steps;
  const mediaItems = media.local.items + media.remote.items;
  const parts = [
    plural(history.events, "event"),
    `${plural(mediaItems, "media file")} (${formatBytes(media.local.bytes + media.remote.bytes)})`,
    plural(deadRooms.deleted, "dead room"),
  ];
  const db = report.sizes.databaseBytes;
  const sizes = db.before !== undefined && db.after !== undefined ? `; database ${formatBytes(db.before)} → ${formatBytes(db.after)}` : "";
  const failed = report.error ? ` (${report.error.message})` : "";
  return `${report.dryRun ? "would remove" : "removed"} ${parts.join(", ")}${sizes}${failed}`;
}
