import type { FetchError } from "ofetch";
import { MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";

/**
 * The one way mxhome talks HTTP to Synapse. Rate limits (429) are waited out
 * as Synapse asks (`retry_after_ms`), and every failure becomes an MxError
 * whose code carries the Matrix errcode (`synapse.M_UNKNOWN_TOKEN`).
 */
export interface SynapseHttp {
  readonly baseUrl: string;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
}

export interface RequestOptions {
  token?: string;
  body?: Record<string, unknown>;
  query?: Record<string, string | number | boolean>;
}

export interface SynapseHttpOptions {
  /** Give up on a rate limit after this many waits. */
  maxRateLimitRetries?: number;
  /** Never wait longer than this for one rate limit. */
  maxRateLimitWaitMs?: number;
  timeoutMs?: number;
}

interface MatrixErrorBody {
  errcode?: string;
  error?: string;
  retry_after_ms?: number;
}

const hints: Record<string, string> = {
  M_UNKNOWN_TOKEN: "The access token was revoked or expired; `mxhome up` logs in again and repairs it.",
  M_MISSING_TOKEN: "The request needs an access token; `mxhome up` creates mxhome's accounts and tokens.",
  M_FORBIDDEN: "The account is not allowed to do this; admin API calls need a server admin.",
  M_LIMIT_EXCEEDED: "Synapse rate-limited the request; wait a minute and run the command again.",
};

export function isMatrixError(error: unknown, errcode: string): boolean {
  return error instanceof MxError && error.code === `synapse.${errcode}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After-style wait for a 429: the body's retry_after_ms, else the header, else a second. */
export function rateLimitWaitMs(body: MatrixErrorBody | undefined, retryAfterHeader: string | null): number {
  if (typeof body?.retry_after_ms === "number") return body.retry_after_ms;
  const seconds = Number(retryAfterHeader);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
}

/** ofetch's errors carry the response; anything else (refused, timeout) has none. */
const responseOf = (error: unknown) => (error as Partial<FetchError>)?.response;

function toMxError(method: string, baseUrl: string, path: string, error: unknown): MxError {
  const where = `${method} ${path.split("?")[0]}`;
  if (error instanceof Error && error.name === "FetchError" && responseOf(error)) {
    const fetchError = error as FetchError;
    const body = fetchError.data as MatrixErrorBody | undefined;
    const errcode = body?.errcode ?? `http-${fetchError.response!.status}`;
    const detail = body?.error ? `: ${body.error}` : "";
    return new MxError(`Synapse answered ${fetchError.response!.status} ${errcode} to ${where}${detail}`, {
      code: `synapse.${errcode}`,
      hint: hints[errcode],
      cause: error,
    });
  }
  return synapseUnreachable(`${method} ${baseUrl.replace(/\/+$/, "")}${path.split("?")[0]}`, error);
}

/**
 * Pure: why a request got no answer, without ofetch's repeat of the request
 * (the caller names it) and without Bun's "Is the computer able to access the
 * url?", a question the hint answers with the fix.
 */
export function noAnswerReason(message: string): string {
  return message
    .replace(/^\[\w+\] "[^"]*": (<no response> )?/, "")
    .replace(/\s*Is the computer able to access the url\?/g, "")
    .trim();
}

/** Pure: Synapse did not answer `where` (a request with its URL, or what was being done). */
export function synapseUnreachable(where: string, error: unknown): MxError {
  return new MxError(`Could not reach Synapse for ${where}: ${noAnswerReason(error instanceof Error ? error.message : String(error))}`, {
    code: "synapse.unreachable",
    hint: "Is the homeserver running? `mxhome up` starts it; `mxhome logs synapse` shows why it is not.",
    cause: error,
  });
}

export function createSynapseHttp(baseUrl: string, options: SynapseHttpOptions = {}): SynapseHttp {
  const maxRetries = options.maxRateLimitRetries ?? 8;
  const maxWait = options.maxRateLimitWaitMs ?? 120_000;
  return {
    baseUrl,
    async request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
      // Loaded on first use, so commands that never talk to Synapse (--help) don't pay for it.
      const { ofetch } = await import("ofetch");
      for (let attempt = 0; ; attempt++) {
        try {
          return await ofetch<T>(path, {
            baseURL: baseUrl,
            method,
            body: request.body,
            query: request.query,
            headers: request.token ? { Authorization: `Bearer ${request.token}` } : {},
            retry: false,
            timeout: options.timeoutMs ?? 30_000,
          });
        } catch (error) {
          const response = responseOf(error);
          if (response?.status !== 429 || attempt >= maxRetries) throw toMxError(method, baseUrl, path, error);
          const waitMs = Math.min(rateLimitWaitMs((error as FetchError).data, response.headers.get("retry-after")), maxWait);
          log.debug(`Rate-limited on ${method} ${path}; waiting ${waitMs} ms as Synapse asks.`);
          await sleep(waitMs);
        }
      }
    },
  };
}
