import { accessSync, constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import type { RenderedFile } from "../render/types.ts";
import { ExitCode, MxError } from "../ui/errors.ts";
import { readTextIfExists, writeFileAtomic } from "./fs.ts";

/**
 * Files mxhome renders are "managed": mxhome may rewrite them, but only while
 * they still hold what mxhome last wrote. The manifest records that content's
 * hash, so a hand edit is detected and never silently overwritten.
 */
export type Manifest = Record<string, string>;

export type WriteAction = "create" | "update" | "unchanged" | "edited";

export interface PlannedWrite {
  file: RenderedFile;
  action: WriteAction;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Pure: what writing `files` would do, given what is on disk and in the manifest. */
export function planWrites(files: RenderedFile[], current: Map<string, string | undefined>, manifest: Manifest): PlannedWrite[] {
  return files.map((file) => {
    const onDisk = current.get(file.path);
    if (onDisk === undefined) return { file, action: "create" };
    if (onDisk === file.content) return { file, action: "unchanged" };
    return { file, action: manifest[file.path] === sha256(onDisk) ? "update" : "edited" };
  });
}

export function readManifest(manifestFile: string): Manifest {
  const text = readTextIfExists(manifestFile);
  if (text === undefined) return {};
  try {
    return (JSON.parse(text) as { files?: Manifest }).files ?? {};
  } catch {
    // A damaged manifest only means every differing file is treated as hand-edited: safe.
    return {};
  }
}

function writeManifest(manifestFile: string, manifest: Manifest): void {
  writeFileAtomic(manifestFile, `${JSON.stringify({ version: 1, files: manifest }, null, 2)}\n`, 0o600);
}

const backupStamp = (now: Date) => now.toISOString().replace(/[:.]/g, "-");

/**
 * Removes managed files mxhome no longer renders (a unit of a worker no longer
 * asked for) and forgets them. One edited by hand is not lost: it is renamed
 * to `<file>.mxhome-backup-<time>` (a name quadlet ignores). Returns those backups.
 */
export function removeManagedFiles(files: string[], manifestFile: string, now = new Date()): string[] {
  const manifest = readManifest(manifestFile);
  const backups: string[] = [];
  for (const file of files) {
    const onDisk = readTextIfExists(file);
    if (onDisk !== undefined && manifest[file] !== sha256(onDisk)) {
      const backup = `${file}.mxhome-backup-${backupStamp(now)}`;
      renameSync(file, backup);
      backups.push(backup);
    } else rmSync(file, { force: true });
    delete manifest[file];
  }
  writeManifest(manifestFile, manifest);
  return backups;
}

export function planManagedWrites(files: RenderedFile[], manifestFile: string): PlannedWrite[] {
  const current = new Map(files.map((file) => [file.path, readTextIfExists(file.path)]));
  return planWrites(files, current, readManifest(manifestFile));
}

/** Checks every target before anything is written, so a failure leaves nothing half-written. */
export function assertWritable(targets: string[]): void {
  for (const target of targets) {
    let dir = dirname(target);
    while (!existsSync(dir)) dir = dirname(dir);
    try {
      accessSync(dir, constants.W_OK);
      if (existsSync(target)) accessSync(target, constants.W_OK);
    } catch {
      throw new MxError(`Cannot write ${target}: ${dir} is not writable by you.`, {
        code: "fs.not-writable",
        hint: `Fix the permissions of ${dir} (it should belong to your user), then run the command again. Nothing was written.`,
        exitCode: ExitCode.usage,
      });
    }
  }
}

export interface ApplyResult {
  written: PlannedWrite[];
  backups: string[];
}

/** Hand-edited managed files are only replaced with --force. */
export function refuseHandEdits(plan: PlannedWrite[], force: boolean): void {
  const edited = plan.filter((entry) => entry.action === "edited");
  if (edited.length && !force) {
    throw new MxError(
      `These managed files were edited by hand and differ from what mxhome would write:\n${edited.map((e) => `  ${e.file.path}`).join("\n")}`,
      {
        code: "files.edited",
        hint: "Move your changes to the overrides file (Synapse settings) or mxhome.toml, or pass --force to replace them (a backup of each is kept). Nothing was written.",
        exitCode: ExitCode.usage,
      },
    );
  }
}

/**
 * Applies a plan: refuses hand-edited files unless `force` (then keeps a
 * backup beside each), checks every target first so nothing is half-written,
 * writes each file atomically, then records the new hashes.
 */
export function applyManagedWrites(plan: PlannedWrite[], manifestFile: string, options: { force: boolean; now?: Date }): ApplyResult {
  refuseHandEdits(plan, options.force);
  assertWritable([...plan.map((entry) => entry.file.path), manifestFile]);
  const stamp = backupStamp(options.now ?? new Date());
  const backups: string[] = [];
  const manifest = readManifest(manifestFile);
  for (const entry of plan) {
    if (entry.action === "edited") {
      const backup = `${entry.file.path}.mxhome-backup-${stamp}`;
      copyFileSync(entry.file.path, backup);
      backups.push(backup);
    }
    if (entry.action !== "unchanged") {
      mkdirSync(dirname(entry.file.path), { recursive: true });
      writeFileAtomic(entry.file.path, entry.file.content, entry.file.mode);
    }
    manifest[entry.file.path] = sha256(entry.file.content);
  }
  writeManifest(manifestFile, manifest);
  return { written: plan.filter((entry) => entry.action !== "unchanged"), backups };
}
