import { isAbsolute, join } from "node:path";

/**
 * Pure: archive file names and which old archives to prune. Names sort by
 * time: `mxhome-backup-<server>-<YYYYMMDD-HHMMSS.mmm>Z[-<label>].tar[.enc]`.
 * Only unlabelled archives (the weekly and manual ones) count toward
 * `[backup] keep`; a labelled one (`pre-restore`) is kept until you delete it.
 */
export interface ArchiveName {
  file: string;
  serverName: string;
  createdAt: Date;
  label?: string;
  encrypted: boolean;
}

const prefix = "mxhome-backup-";
const pattern = /^mxhome-backup-(.+)-(\d{8})-(\d{6})\.(\d{3})Z(?:-([a-z][a-z0-9-]*))?\.tar(\.enc)?$/;

export const safeServerName = (serverName: string) => serverName.replace(/[^A-Za-z0-9.-]/g, "_");

export function archiveFileName(serverName: string, date: Date, options: { encrypted: boolean; label?: string }): string {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.678Z
  const stamp = `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}.${iso.slice(20, 23)}Z`;
  return `${prefix}${safeServerName(serverName)}-${stamp}${options.label ? `-${options.label}` : ""}.tar${options.encrypted ? ".enc" : ""}`;
}

export function parseArchiveFileName(file: string): ArchiveName | undefined {
  const match = pattern.exec(file);
  if (!match) return undefined;
  const [, serverName, day, time, millis, label, enc] = match;
  const createdAt = new Date(
    `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}T${time!.slice(0, 2)}:${time!.slice(2, 4)}:${time!.slice(4, 6)}.${millis}Z`,
  );
  if (Number.isNaN(createdAt.getTime())) return undefined;
  return { file, serverName: serverName!, createdAt, ...(label ? { label } : {}), encrypted: Boolean(enc) };
}

/** This server's archives in a directory listing, newest first. */
export function listArchives(files: string[], serverName?: string): ArchiveName[] {
  return files
    .map(parseArchiveFileName)
    .filter((name): name is ArchiveName => name !== undefined && (serverName === undefined || name.serverName === safeServerName(serverName)))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** The archives beyond the newest `keep` unlabelled ones of this server: what `backup` deletes. */
export function planPrune(files: string[], serverName: string, keep: number): string[] {
  return listArchives(files, serverName)
    .filter((name) => name.label === undefined)
    .slice(keep)
    .map((name) => name.file);
}

/** `[backup] dir`, else the data dir's backups/; `~/` means HOME and a relative path is under the data dir. */
export function backupDir(paths: { dataDir: string }, dir: string, home = process.env.HOME ?? ""): string {
  if (dir === "") return join(paths.dataDir, "backups");
  if (dir === "~" || dir.startsWith("~/")) return join(home, dir.slice(1));
  return isAbsolute(dir) ? dir : join(paths.dataDir, dir);
}
