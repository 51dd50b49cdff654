import { accessSync, chmodSync, closeSync, constants, copyFileSync, fsyncSync, linkSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { compiledExecutable } from "../init/self.ts";
import { exec } from "../io/exec.ts";
import { ExitCode, MxError } from "../ui/errors.ts";

/**
 * The file side of `upgrade --self`: stage the download beside the binary,
 * then swap it in with one rename, keeping the old one as `<name>.previous`.
 */

/** The binary to replace: the running one. From source there is none. */
export function runningBinary(): string {
  const binary = compiledExecutable();
  if (binary === undefined) {
    throw new MxError("`mxhome upgrade --self` replaces the compiled mxhome binary, and this is mxhome running from source.", {
      code: "upgrade.from-source",
      hint: "Update the source with git instead, or run the command with the installed binary.",
      exitCode: ExitCode.usage,
    });
  }
  return binary;
}

export const previousPath = (binary: string) => `${binary}.previous`;

export function directoryWritable(binary: string): boolean {
  try {
    accessSync(dirname(binary), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Pure: what to run when the binary's directory belongs to root, keeping the old binary as the upgrade would. */
export function sudoInstallCommand(staged: string, binary: string): string {
  const quote = (path: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`);
  return `sudo cp -p ${quote(binary)} ${quote(previousPath(binary))} && sudo install -m 0755 ${quote(staged)} ${quote(binary)}`;
}

/** A fresh name in `dir` for the download, hidden, so nothing mistakes it for an installed mxhome. */
export const stagingPath = (dir: string, version: string) => join(dir, `.mxhome-${version}.${randomBytes(4).toString("hex")}.download`);

/**
 * Streams a download into `file` (created, never overwritten), hashing as it
 * goes, and fsyncs it. Stops one byte past `expectedSize`: a longer file is
 * wrong whatever follows.
 */
export async function download(
  stream: ReadableStream<Uint8Array>,
  file: string,
  expectedSize: number,
  onProgress: (bytes: number) => void,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  const fd = openSync(file, "wx", 0o600);
  const reader = stream.getReader();
  let size = 0;
  try {
    while (size <= expectedSize) {
      const chunk = await nextChunk(reader);
      if (chunk === undefined) break;
      const take = chunk.subarray(0, expectedSize + 1 - size);
      hash.update(take);
      for (let written = 0; written < take.length; ) written += writeSync(fd, take, written);
      size += take.length;
      onProgress(size);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    void reader.cancel().catch(() => {});
  }
  return { size, sha256: hash.digest("hex") };
}

/** The next chunk; undefined at the end, and also when the connection drops: that is a truncated download, judged as such. */
async function nextChunk(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }): Promise<Uint8Array | undefined> {
  try {
    const { done, value } = await reader.read();
    return done ? undefined : value;
  } catch {
    return undefined;
  }
}

export function readHeader(file: string, bytes = 20): Uint8Array {
  const fd = openSync(file, "r");
  try {
    const header = new Uint8Array(bytes);
    const read = readSync(fd, header, 0, bytes, 0);
    return header.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** What the staged binary says its version is: proof it starts on this machine. */
export async function stagedVersion(file: string): Promise<string | undefined> {
  chmodSync(file, 0o755);
  const result = await exec([file, "--version"], { timeoutMs: 30_000 }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout.trim() : undefined;
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The swap: the old binary becomes `<name>.previous` (a hard link, so
 * `binary` never disappears, even for a moment), then the staged file is
 * renamed over `binary` in one step. Processes already running the old
 * binary keep running it.
 */
export function swapIn(staged: string, binary: string): string {
  const dir = dirname(binary);
  const previous = previousPath(binary);
  const previousTemp = join(dir, `.${basename(previous)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    linkSync(binary, previousTemp);
  } catch {
    copyFileSync(binary, previousTemp);
  }
  renameSync(previousTemp, previous);
  chmodSync(staged, 0o755);
  renameSync(staged, binary);
  fsyncDirectory(dir);
  return previous;
}

export function removeQuietly(file: string): void {
  rmSync(file, { force: true });
}
