import { readdirSync, statfsSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { exec, type ExecOptions, type ExecResult, which } from "../io/exec.ts";
import { readTextIfExists } from "../io/fs.ts";
import { isPortTaken } from "../runtime/native/observe.ts";
import { createPublicHttp, type PublicHttp } from "./public-http.ts";
import { publicDnsResolver } from "./resolver.ts";

/**
 * The doctor's only door to the machine. Facts are gathered through it, and
 * tests replace any part (a tailscale script printing a fixture, a resolver
 * and CA for a local HTTPS endpoint) by passing overrides, never by mocking
 * modules. Nothing here throws for an absent program or file.
 */
export interface FileStat {
  mode: number;
  uid: number;
  size: number;
  isDirectory: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

export interface DoctorIo {
  /** Runs argv; undefined when the program is not installed. A timeout shows as exit 143. */
  run(argv: string[], options?: ExecOptions): Promise<ExecResult | undefined>;
  /** Where a program is, or undefined. */
  which(program: string): string | undefined;
  readText(path: string): string | undefined;
  stat(path: string): FileStat | undefined;
  /** Entry names of a directory, or undefined when it does not exist. */
  listDir(path: string): string[] | undefined;
  /** Free and total bytes of the file system holding path. */
  diskSpace(path: string): { availableBytes: number; totalBytes: number } | undefined;
  /** Plain HTTP on loopback; rejects on a network error or timeout. */
  httpGet(url: string, options?: { headers?: Record<string, string>; timeoutMs?: number }): Promise<HttpAnswer>;
  portTaken(port: number): Promise<boolean>;
  /** HTTPS to public names, resolved by a replaceable resolver, certificates checked. */
  publicHttp: PublicHttp;
  /** The tailscale CLI, when installed. */
  tailscale: string | undefined;
  user: { uid: number; name: string };
}

export async function runProgram(argv: string[], options: ExecOptions = {}): Promise<ExecResult | undefined> {
  const program = argv[0]!.includes("/") ? argv[0]! : which(argv[0]!);
  if (!program) return undefined;
  try {
    return await exec([program, ...argv.slice(1)], { timeoutMs: 3_000, ...options });
  } catch {
    return undefined;
  }
}

function statPath(path: string): FileStat | undefined {
  try {
    const stat = statSync(path);
    return { mode: stat.mode & 0o7777, uid: stat.uid, size: stat.size, isDirectory: stat.isDirectory() };
  } catch {
    return undefined;
  }
}

function diskSpace(path: string): { availableBytes: number; totalBytes: number } | undefined {
  try {
    const stats = statfsSync(path);
    return { availableBytes: Number(stats.bavail) * Number(stats.bsize), totalBytes: Number(stats.blocks) * Number(stats.bsize) };
  } catch {
    return undefined;
  }
}

async function httpGet(url: string, options: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const response = await fetch(url, { headers: options.headers, redirect: "manual", signal: AbortSignal.timeout(options.timeoutMs ?? 2_000) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

export function createDoctorIo(overrides: Partial<DoctorIo> = {}): DoctorIo {
  let user: DoctorIo["user"];
  try {
    const info = userInfo();
    user = { uid: info.uid, name: info.username };
  } catch {
    user = { uid: process.getuid?.() ?? -1, name: process.env.USER ?? "" };
  }
  return {
    run: runProgram,
    which: (program) => which(program),
    readText: (path) => {
      try {
        return readTextIfExists(path);
      } catch {
        return undefined;
      }
    },
    stat: statPath,
    listDir: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return undefined;
      }
    },
    diskSpace,
    httpGet,
    portTaken: isPortTaken,
    publicHttp: overrides.publicHttp ?? createPublicHttp({ resolver: publicDnsResolver() }),
    tailscale: which("tailscale"),
    user,
    ...overrides,
  };
}
