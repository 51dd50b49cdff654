import { createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { MxError } from "../ui/errors.ts";
import { corruptArchive, createDecryptingSink, encryptionHeaderLength, parseEncryptionHeader, startsWithEncryptionMagic, unlockEncryption } from "./cipher.ts";
import { isSafeRelativePath, manifestMember, sectionOf } from "./layout.ts";
import { type BackupManifest, compareWithManifest, type ManifestMember, parseManifest } from "./manifest.ts";
import { TarFormatError } from "./tar.ts";
import { createTarParser } from "./tar-parser.ts";

/**
 * Reads an archive once, into a private staging directory: decrypts (when
 * encrypted), parses the tar stream, hashes every member, and compares all
 * of it with the manifest. It returns only when every byte checked out; on
 * any problem it throws and the caller deletes the staging directory, so a
 * damaged archive or a wrong passphrase changes nothing.
 */
export interface StagedArchive {
  manifest: BackupManifest;
  encrypted: boolean;
  /** Archive bytes read. */
  bytes: number;
}

export interface ReadArchiveOptions {
  /** Asked only for an encrypted archive. */
  passphrase: () => Promise<string>;
  /** Called with bytes read so far, for progress. */
  onProgress?: (done: number, total: number) => void;
}

const maxManifestBytes = 64 << 20;
const readChunk = 1 << 20;

/** Opens the archive, or says plainly that it cannot (checked first of all, so a typo never meets a refusal about something else). */
export function openArchive(file: string): number {
  try {
    return openSync(file, "r");
  } catch (error) {
    throw new MxError(`Cannot read the archive ${file}: ${(error as Error).message}`, { code: "backup.unreadable", hint: "Check the path and its permissions." });
  }
}

export async function stageArchive(file: string, stagingDir: string, options: ReadArchiveOptions): Promise<StagedArchive> {
  const fd = openArchive(file);
  try {
    const total = fstatSync(fd).size;
    const head = Buffer.alloc(encryptionHeaderLength);
    const headLength = readSync(fd, head, 0, encryptionHeaderLength, 0);
    const encrypted = startsWithEncryptionMagic(head.subarray(0, headLength));
    const seen: ManifestMember[] = [];
    let manifestText: string | undefined;
    let current: { member: string; out?: number; hash: Hash; size: number; mode: number; manifest: Buffer[] } | undefined;

    const parser = createTarParser({
      begin(entry) {
        if (!isSafeRelativePath(entry.path) || (entry.path !== manifestMember && !sectionOf(entry.path))) {
          throw corruptArchive(`it holds an unexpected member ${JSON.stringify(entry.path)}`);
        }
        if (entry.path === manifestMember && entry.size > maxManifestBytes) throw corruptArchive("its manifest is impossibly large");
        let out: number | undefined;
        if (entry.path !== manifestMember) {
          const target = join(stagingDir, entry.path);
          mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
          // Exclusive create: a member that appears twice is caught here.
          try {
            out = openSync(target, "wx", 0o600);
          } catch {
            throw corruptArchive(`${entry.path} appears twice`);
          }
        }
        current = { member: entry.path, out, hash: createHash("sha256"), size: entry.size, mode: entry.mode, manifest: [] };
      },
      data(bytes) {
        current!.hash.update(bytes);
        if (current!.out === undefined) current!.manifest.push(Buffer.from(bytes));
        else for (let offset = 0; offset < bytes.length; ) offset += writeSync(current!.out, bytes, offset);
      },
      finishEntry() {
        const entry = current!;
        if (entry.out !== undefined) closeSync(entry.out);
        else manifestText = Buffer.concat(entry.manifest).toString("utf8");
        seen.push({ path: entry.member, size: entry.size, sha256: entry.hash.digest("hex"), mode: entry.mode });
        current = undefined;
      },
    });

    let sink = { write: (bytes: Uint8Array) => parser.push(bytes), end: () => parser.finish() };
    let offset = 0;
    if (encrypted) {
      const header = parseEncryptionHeader(head);
      const key = unlockEncryption(header, await options.passphrase());
      sink = createDecryptingSink(key, header, sink);
      offset = encryptionHeaderLength;
    }
    const buffer = Buffer.alloc(readChunk);
    try {
      for (;;) {
        const read = readSync(fd, buffer, 0, readChunk, offset);
        if (read === 0) break;
        sink.write(buffer.subarray(0, read));
        offset += read;
        options.onProgress?.(offset, total);
      }
      sink.end();
    } catch (error) {
      if (current?.out !== undefined) closeSync(current.out);
      throw error instanceof TarFormatError ? corruptArchive(error.message) : error;
    }
    if (manifestText === undefined) throw corruptArchive("it has no manifest.json (truncated, or not an mxhome backup)");
    const manifest = parseManifest(manifestText);
    const problems = compareWithManifest(manifest, seen);
    if (problems.length) throw corruptArchive(problems.slice(0, 5).join("; ") + (problems.length > 5 ? `; and ${problems.length - 5} more` : ""));
    return { manifest, encrypted, bytes: offset };
  } finally {
    closeSync(fd);
  }
}
