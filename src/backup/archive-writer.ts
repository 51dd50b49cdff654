import { createHash } from "node:crypto";
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { MxError } from "../ui/errors.ts";
import { createEncryptingSink, type EncryptionHeader } from "./cipher.ts";
import { manifestMember, memberMode } from "./layout.ts";
import type { BackupManifest, ManifestMember } from "./manifest.ts";
import { type ByteSink, createTarWriter } from "./tar.ts";

/**
 * Writes one archive in a single pass: each member is read once, hashed and
 * streamed into the tar stream, which is encrypted on the way to disk when
 * asked. The file is created 0600 (it holds every secret) and fsynced;
 * members carry layout.ts's memberMode (secrets and state 0600).
 */
export interface ArchiveWriter {
  /** Adds a file as `member`; false when it vanished before it could be opened (media deleted meanwhile). */
  addFile(member: string, file: string): boolean;
  addBytes(member: string, bytes: Uint8Array, mode: number): void;
  /** Appends manifest.json (every member's SHA-256) and closes the archive. */
  finish(manifest: Omit<BackupManifest, "members">): { members: ManifestMember[]; bytes: number };
  /** Closes the file after a failure (the caller removes it). */
  abort(): void;
}

const readChunk = 1 << 20;

function fileSink(fd: number, counter: { bytes: number }): ByteSink {
  return {
    write(bytes) {
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      counter.bytes += bytes.length;
    },
    end() {
      fsyncSync(fd);
    },
  };
}

export function openArchiveWriter(file: string, encryption?: { key: Uint8Array; header: EncryptionHeader }): ArchiveWriter {
  const fd = openSync(file, "wx", 0o600);
  const counter = { bytes: 0 };
  const disk = fileSink(fd, counter);
  const tar = createTarWriter(encryption ? createEncryptingSink(encryption.key, encryption.header, disk) : disk);
  const members: ManifestMember[] = [];
  const buffer = Buffer.alloc(readChunk);
  let closed = false;
  const close = () => {
    if (!closed) closeSync(fd);
    closed = true;
  };

  function addBytes(member: string, bytes: Uint8Array, mode: number): void {
    tar.begin({ path: member, size: bytes.length, mode, mtime: Math.floor(Date.now() / 1000) });
    tar.write(bytes);
    tar.finishEntry();
    members.push({ path: member, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), mode });
  }

  return {
    addFile(member, source) {
      let input: number;
      try {
        input = openSync(source, "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw error;
      }
      try {
        const stat = fstatSync(input);
        const hash = createHash("sha256");
        // Not the file's own mode: a snapshot (the kick ledger's) is made with the umask's.
        const mode = memberMode(member, stat.mode & 0o777);
        tar.begin({ path: member, size: stat.size, mode, mtime: Math.floor(stat.mtimeMs / 1000) });
        for (let done = 0; done < stat.size; ) {
          const read = readSync(input, buffer, 0, Math.min(readChunk, stat.size - done), done);
          if (read === 0) throw new MxError(`${source} shrank while it was being backed up.`, { code: "backup.file-changed", hint: "Run `mxhome backup` again." });
          const chunk = buffer.subarray(0, read);
          hash.update(chunk);
          tar.write(chunk);
          done += read;
        }
        tar.finishEntry();
        members.push({ path: member, size: stat.size, sha256: hash.digest("hex"), mode });
        return true;
      } finally {
        closeSync(input);
      }
    },
    addBytes,
    finish(manifest) {
      const complete: BackupManifest = { ...manifest, members: [...members] };
      addBytes(manifestMember, Buffer.from(`${JSON.stringify(complete, null, 2)}\n`), 0o600);
      tar.end();
      close();
      return { members: complete.members, bytes: counter.bytes };
    },
    abort: close,
  };
}
