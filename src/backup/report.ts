import { formatCatchUpOutcome } from "../catchup/format.ts";
import { statusIcon } from "../ui/style.ts";
import { formatDuration } from "./progress.ts";
import { formatBytes } from "../doctor/format-units.ts";
import type { RestoreReport } from "./run-restore.ts";
import type { BackupReport } from "./run-backup.ts";

/** Pure: the human views of `mxhome backup` and `mxhome restore`. */

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

export function formatBackupReport(report: BackupReport, color: boolean): string {
  const { files } = report;
  const holds = [
    report.includes.database ? "the database" : "",
    plural(files.secrets, "secret"),
    "mxhome.toml" + (files.config > 1 ? " and the Synapse overrides" : ""),
    files.state ? plural(files.state, "credential and record file") : "",
    report.includes.media ? plural(files.media, "media file") : "no media (add --include-media)",
  ].filter(Boolean);
  const leftOut = report.leftOut.map((file) =>
    file.endsWith("/admin-initial-password")
      ? `${statusIcon("warn", color)} ${file} is left out of the backup: it is your admin account's first password. Read it, keep it in your password manager, then delete the file.`
      : `${statusIcon("warn", color)} ${file} is left out of the backup: it is a generated password for someone (\`mxhome user\`). Hand it over privately, then delete the file.`,
  );
  if (report.dryRun) {
    const lines = [`Dry run: nothing was written. \`mxhome backup\` would write ${report.archive}${report.encrypted ? " (encrypted)" : ""}, holding:`, `  ${holds.join(", ")} (${formatBytes(report.bytes)} before the database dump)`];
    if (report.pruned.length) lines.push("and delete, to keep the newest ones:", ...report.pruned.map((file) => `  ${file}`));
    return [...lines, ...leftOut].join("\n");
  }
  const lines = [
    `${statusIcon("ok", color)} ${report.archive}`,
    `  ${formatBytes(report.bytes)} in ${formatDuration(report.durationMs)}, mode 0600${report.encrypted ? ", encrypted (AES-256-GCM, scrypt)" : ", not encrypted"}`,
    `  holds ${holds.join(", ")}`,
    `  Synapse ${report.versions.synapse}, PostgreSQL ${report.versions.postgres.split(" ")[0] || "not dumped"}, mxhome ${report.versions.mxhome}`,
  ];
  if (report.vanished) lines.push(`${statusIcon("info", color)} ${plural(report.vanished, "media file")} disappeared while the backup ran (a purge?) and ${report.vanished === 1 ? "is" : "are"} not in it.`);
  for (const file of report.pruned) lines.push(`${statusIcon("info", color)} deleted the older ${file}`);
  lines.push(...leftOut);
  if (!report.encrypted) lines.push("", "The archive holds your signing key and every secret: keep it as private as the server itself (or use --encrypt).");
  return lines.join("\n");
}

export function formatRestoreReport(report: RestoreReport, color: boolean): string {
  const from = `${report.from.serverName}, made ${report.from.createdAt} (Synapse ${report.from.versions.synapse}, PostgreSQL ${report.from.versions.postgres.split(" ")[0] || "-"})`;
  const verified = `${statusIcon("ok", color)} ${report.archive}: every checksum matches${report.encrypted ? ", passphrase correct" : ""} — ${from}`;
  const notes = report.plan.notes.slice(1).map((note) => `${statusIcon("info", color)} ${note}`);
  if (report.dryRun) {
    return [verified, "", "Dry run: nothing was changed. `mxhome restore` would:", ...report.steps.map((step, i) => `  ${i + 1}. ${step}`), ...notes].join("\n");
  }
  const lines = [verified, ...report.steps.map((step) => `${statusIcon("ok", color)} ${step}`), ...notes];
  if (report.safetyBackup) lines.push(`${statusIcon("info", color)} The server that was here is saved in ${report.safetyBackup}`);
  lines.push(...formatCatchUpOutcome(report.catchUp, color));
  lines.push("", `Restored in ${formatDuration(report.durationMs)}. Homeserver: ${report.endpoints?.public ?? "-"} (on this machine: ${report.endpoints?.local ?? "-"})`);
  return lines.join("\n");
}
