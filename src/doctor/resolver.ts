import { Resolver } from "node:dns/promises";

/**
 * How a public name resolves for the rest of the internet. On the Funnel node
 * MagicDNS answers the ts.net name with a 100.x tailnet address, which
 * bypasses Funnel, so public checks ask public DNS servers directly. Tests
 * pass an in-process resolver instead; no test queries a public one.
 */
export interface DnsAnswer {
  /** The CNAME chain from the name, in order (empty when the name has A/AAAA records itself). */
  cnames: string[];
  addresses: string[];
}

export interface PublicResolver {
  /** Rejects with an Error whose `code` is the DNS error (ENOTFOUND…) when nothing answers. */
  resolve(host: string): Promise<DnsAnswer>;
}

export const publicDnsServers = ["1.1.1.1", "9.9.9.9", "8.8.8.8"];

const noRecords = new Set(["ENODATA", "ENOTFOUND", "NODATA", "NOTFOUND"]);

async function orEmpty(lookup: Promise<string[]>): Promise<string[]> {
  try {
    return await lookup;
  } catch (error) {
    if (noRecords.has((error as NodeJS.ErrnoException).code ?? "")) return [];
    throw error;
  }
}

export function publicDnsResolver(servers = publicDnsServers): PublicResolver {
  let resolver: Resolver | undefined;
  const dns = () => {
    if (!resolver) {
      resolver = new Resolver({ timeout: 2_500, tries: 2 });
      // Once, before any query: servers cannot change while queries are pending.
      resolver.setServers(servers);
    }
    return resolver;
  };
  return {
    async resolve(host) {
      const cnames: string[] = [];
      let name = host;
      for (let hop = 0; hop < 8; hop++) {
        const [target] = await orEmpty(dns().resolveCname(name));
        if (!target) break;
        cnames.push(target);
        name = target;
      }
      const [v4, v6] = await Promise.all([orEmpty(dns().resolve4(name)), orEmpty(dns().resolve6(name))]);
      const addresses = [...v4, ...v6];
      if (addresses.length === 0) throw Object.assign(new Error(`${host} has no A or AAAA record in public DNS`), { code: "ENOTFOUND" });
      return { cnames, addresses };
    },
  };
}
