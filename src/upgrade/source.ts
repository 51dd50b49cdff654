import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode, MxError } from "../ui/errors.ts";

/**
 * Where a release is read from: an http(s) URL (GitHub's
 * `…/releases/latest/download` works: every file name redirects to the
 * newest release's) or a local directory. Nothing here is trusted; see trust.ts.
 */
export interface ReleaseSource {
  /** As given, for messages. */
  location: string;
  /** A small file (latest.json, SHA256SUMS, its signature), whole. */
  read(name: string, maxBytes: number): Promise<Uint8Array>;
  /** A binary, streamed. */
  open(name: string): Promise<ReadableStream<Uint8Array>>;
}

const fetchTimeoutMs = 30_000;

function unreachable(where: string, why: string): MxError {
  return new MxError(`Cannot read ${where}: ${why}.`, {
    code: "upgrade.source-unreachable",
    hint: "Check the address ([upgrade] release_url in mxhome.toml, or --from) and your connection. Nothing was changed.",
    exitCode: ExitCode.failed,
  });
}

function httpSource(base: string): ReleaseSource {
  const urlOf = (name: string) => `${base.replace(/\/+$/, "")}/${name}`;
  const get = async (name: string, timeoutMs?: number): Promise<Response> => {
    const url = urlOf(name);
    let response: Response;
    try {
      response = await fetch(url, { redirect: "follow", signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined });
    } catch (error) {
      throw unreachable(url, (error as Error).message);
    }
    if (!response.ok || !response.body) throw unreachable(url, `HTTP ${response.status}`);
    return response;
  };
  return {
    location: base,
    read: async (name, maxBytes) => readAll((await get(name, fetchTimeoutMs)).body!, maxBytes, urlOf(name)),
    open: async (name) => (await get(name)).body!,
  };
}

function directorySource(dir: string): ReleaseSource {
  const fileOf = (name: string) => {
    const file = join(dir, name);
    if (!existsSync(file)) throw unreachable(file, "no such file");
    return file;
  };
  return {
    location: dir,
    read: async (name, maxBytes) => readAll(Bun.file(fileOf(name)).stream(), maxBytes, fileOf(name)),
    open: async (name) => Bun.file(fileOf(name)).stream(),
  };
}

async function readAll(stream: ReadableStream<Uint8Array>, maxBytes: number, where: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw unreachable(where, `larger than ${maxBytes} bytes, so not a release file`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** `--from` or `[upgrade] release_url`: a URL, a file:// URL, or a directory (relative to `cwd`). */
export function releaseSource(location: string, cwd = process.cwd()): ReleaseSource {
  if (/^https?:\/\//i.test(location)) return httpSource(location);
  const dir = location.startsWith("file://") ? fileURLToPath(location) : isAbsolute(location) ? location : resolve(cwd, location);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MxError(`The release source ${JSON.stringify(location)} is neither an http(s) URL nor a directory.`, {
      code: "upgrade.bad-source",
      hint: "Give a release URL like https://…/releases/latest/download, or a directory holding latest.json, SHA256SUMS and SHA256SUMS.sig.",
      exitCode: ExitCode.usage,
    });
  }
  return directorySource(dir);
}

/** Pure: `--from`, else `[upgrade] release_url`; neither is a usage error naming both. */
export function releaseLocation(from: string | undefined, configured: string | undefined, configFile: string): string {
  if (from) return from;
  if (configured) return configured;
  throw new MxError("No release source: mxhome does not know where to look for new releases.", {
    code: "upgrade.no-source",
    hint: `Set [upgrade] release_url in ${configFile} (e.g. the releases page's .../releases/latest/download URL), or pass --from <url or directory>.`,
    exitCode: ExitCode.usage,
  });
}
