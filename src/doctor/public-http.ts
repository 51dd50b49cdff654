import type { LookupFunction } from "node:net";
import type { PeerCertificate, TLSSocket } from "node:tls";
import type { DnsAnswer, PublicResolver } from "./resolver.ts";

/**
 * HTTPS as a remote server would do it: the name resolved by the given
 * (public) resolver, the certificate verified for that name. `connectPort`
 * lets tests listen on an unprivileged loopback port in place of 443.
 */
export interface PublicAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The address connected to. */
  address: string;
  certificate?: { subjectAltName?: string; validTo?: string; issuer?: string };
}

export type PublicFailureKind = "dns" | "tls" | "connect" | "timeout";

export class PublicHttpError extends Error {
  constructor(
    readonly kind: PublicFailureKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PublicHttp {
  resolve(host: string): Promise<DnsAnswer>;
  /** One GET; rejects with PublicHttpError. */
  get(host: string, path: string, options?: { port?: number; timeoutMs?: number }): Promise<PublicAnswer>;
}

export interface PublicHttpOptions {
  resolver: PublicResolver;
  /** Extra trusted CA certificates (PEM), replacing the system's; tests pass their own CA. */
  ca?: string;
  /** Where to connect instead of `port` (tests: an unprivileged loopback port per host). */
  connectPort?: (port: number, host: string) => number;
}

const maxBody = 1 << 20;

function classify(error: NodeJS.ErrnoException): PublicHttpError {
  const code = error.code ?? "EUNKNOWN";
  const tls = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(code);
  const kind: PublicFailureKind = tls ? "tls" : code === "ETIMEDOUT" ? "timeout" : code === "ENOTFOUND" || code === "ENODATA" ? "dns" : "connect";
  return new PublicHttpError(kind, code, error.message);
}

function certificateOf(socket: TLSSocket | undefined): PublicAnswer["certificate"] {
  const peer: PeerCertificate | undefined = socket?.getPeerCertificate?.();
  if (!peer || Object.keys(peer).length === 0) return undefined;
  const issuer = peer.issuer?.O ?? peer.issuer?.CN;
  return { subjectAltName: peer.subjectaltname, validTo: peer.valid_to, issuer: Array.isArray(issuer) ? issuer.join(", ") : issuer };
}

/** A lookup that answers every name with the address the public resolver gave. */
function pinnedLookup(address: string): LookupFunction {
  const family = address.includes(":") ? 6 : 4;
  return ((_name: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

export function createPublicHttp(options: PublicHttpOptions): PublicHttp {
  // Every request to a host shares one lookup.
  const lookups = new Map<string, Promise<DnsAnswer>>();
  const resolve = (host: string) => {
    let lookup = lookups.get(host);
    if (!lookup) lookups.set(host, (lookup = options.resolver.resolve(host)));
    return lookup;
  };
  return {
    resolve,
    async get(host, path, { port = 443, timeoutMs = 5_000 } = {}) {
      let answer: DnsAnswer;
      try {
        answer = await resolve(host);
      } catch (error) {
        throw new PublicHttpError("dns", (error as NodeJS.ErrnoException).code ?? "ENOTFOUND", (error as Error).message);
      }
      const address = answer.addresses[0];
      if (!address) throw new PublicHttpError("dns", "ENOTFOUND", `${host} has no address`);
      // Loaded here, not at the top: node:https brings Node's HTTP stack, ~5 ms that `status` (which builds a DoctorIo) never needs.
      const { request } = await import("node:https");
      return new Promise<PublicAnswer>((resolve, reject) => {
        const outgoing = request(
          {
            host,
            port: options.connectPort?.(port, host) ?? port,
            path,
            method: "GET",
            headers: { Accept: "application/json", "User-Agent": "mxhome-doctor" },
            agent: false,
            ...(options.ca ? { ca: options.ca } : {}),
            lookup: pinnedLookup(address),
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on("data", (chunk: Buffer) => {
              size += chunk.length;
              if (size <= maxBody) chunks.push(chunk);
            });
            response.on("end", () =>
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                body: Buffer.concat(chunks).toString("utf8"),
                address,
                certificate: certificateOf(response.socket as TLSSocket),
              }),
            );
            response.on("error", (error) => reject(classify(error)));
          },
        );
        outgoing.setTimeout(timeoutMs, () => outgoing.destroy(Object.assign(new Error(`no answer from ${host} within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })));
        outgoing.on("error", (error) => reject(classify(error)));
        outgoing.end();
      });
    },
  };
}
