import { publicHost } from "../../config/schema.ts";
import type { PublicAnswer, PublicHttp } from "../public-http.ts";
import { PublicHttpError } from "../public-http.ts";
import type { DnsAnswer } from "../resolver.ts";
import type { FactScope } from "./index.ts";

/**
 * The public path, as the federation tester walks it: public DNS, TLS for
 * the name, the well-knowns (redirects followed, as the spec allows), the
 * federation version and the server's signed keys.
 */
export interface Fetched {
  answer?: PublicAnswer;
  error?: { kind: string; code: string; message: string };
  /** The URL finally answered, after redirects. */
  url: string;
}

export async function fetchPublic(http: PublicHttp, host: string, path: string, redirects = 5): Promise<Fetched> {
  let url = `https://${host}${path}`;
  for (let hop = 0; ; hop++) {
    const target = new URL(url);
    try {
      const answer = await http.get(target.hostname, target.pathname + target.search, { port: Number(target.port || 443) });
      const location = answer.headers.location;
      if (answer.status >= 300 && answer.status < 400 && typeof location === "string" && hop < redirects) {
        url = new URL(location, url).toString();
        if (!url.startsWith("https://")) return { url, error: { kind: "connect", code: "EREDIRECT", message: `redirects to ${url}, which is not HTTPS` } };
        continue;
      }
      return { url, answer };
    } catch (error) {
      const known = error instanceof PublicHttpError ? error : new PublicHttpError("connect", "EUNKNOWN", (error as Error).message);
      return { url, error: { kind: known.kind, code: known.code, message: known.message } };
    }
  }
}

export interface PublicObservation {
  host: string;
  dns: { answer?: DnsAnswer; error?: string };
  server: Fetched;
  client: Fetched;
  version: Fetched;
  keys: Fetched;
}

export async function gatherPublic(scope: FactScope): Promise<PublicObservation> {
  const host = publicHost(scope.config);
  const http = scope.io.publicHttp;
  const dns = await http.resolve(host).then(
    (answer) => ({ answer }),
    (error: Error) => ({ error: error.message }),
  );
  const [server, client, version, keys] = await Promise.all(
    ["/.well-known/matrix/server", "/.well-known/matrix/client", "/_matrix/federation/v1/version", "/_matrix/key/v2/server"].map((path) => fetchPublic(http, host, path)),
  );
  return { host, dns, server: server!, client: client!, version: version!, keys: keys! };
}

export interface DelegationObservation {
  serverName: string;
  dns: { answer?: DnsAnswer; error?: string };
  server: Fetched;
  client: Fetched;
}

/** Topology B: what https://<server_name>/.well-known/matrix/* says, as other servers see it. */
export async function gatherDelegation(scope: FactScope): Promise<DelegationObservation> {
  const serverName = scope.config.server.server_name.replace(/:\d+$/, "");
  const http = scope.io.publicHttp;
  const [dns, server, client] = await Promise.all([
    http.resolve(serverName).then(
      (answer) => ({ answer }),
      (error: Error) => ({ error: error.message }),
    ),
    fetchPublic(http, serverName, "/.well-known/matrix/server"),
    fetchPublic(http, serverName, "/.well-known/matrix/client"),
  ]);
  return { serverName, dns, server, client };
}
