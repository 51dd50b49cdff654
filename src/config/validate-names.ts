/**
 * Validators for Matrix names. Each returns a problem description, or
 * undefined when the value is fine.
 */
const hostnameLabel = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function checkPort(port: string): string | undefined {
  const number = Number(port);
  return /^\d{1,5}$/.test(port) && number >= 1 && number <= 65535 ? undefined : `port ${port} is not 1-65535`;
}

/**
 * A server name: a hostname or IP literal (Matrix spec, appendix "Server
 * Name"). The spec allows a port, but an explicit port makes other servers
 * skip `.well-known` delegation and connect to that port directly, and
 * Funnel serves 443 only; so a port is allowed only for localhost and IP
 * literals (test and LAN setups, never reached through Funnel).
 */
export function checkServerName(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (/\s/.test(value)) return "it contains spaces";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return "remove the scheme (https://): a server name is just the host";
  if (value.includes("/")) return "remove the path: a server name is just the host";
  if (value.length > 255) return "it is longer than 255 characters";

  if (value.startsWith("[")) {
    const match = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(value);
    if (!match) return "an IPv6 literal must look like [2001:db8::1] or [2001:db8::1]:8448";
    return match[2] === undefined ? undefined : checkPort(match[2]);
  }
  const [host = "", port, ...rest] = value.split(":");
  if (rest.length > 0) return "an IPv6 address must be in brackets, like [2001:db8::1]";
  if (port !== undefined) {
    const problem = checkPort(port);
    if (problem) return problem;
  }
  if (ipv4.test(host)) return undefined;
  const labels = host.replace(/\.$/, "").split(".");
  if (labels.some((label) => !hostnameLabel.test(label))) {
    return "use letters, digits, hyphens and dots only (a DNS name like pc.tailnet.ts.net)";
  }
  if (port !== undefined && host.toLowerCase() !== "localhost") {
    return `remove the port (use ${host}): an explicit port makes other servers skip .well-known and connect to port ${port} directly, and Funnel serves only 443`;
  }
  return undefined;
}

/** A hostname without a port (the Funnel host serves on 443 only). */
export function checkHostname(value: string): string | undefined {
  const problem = checkServerName(value);
  if (problem) return problem;
  return value.includes(":") ? "give the host without a port" : undefined;
}

/** A user localpart as Synapse accepts it for new registrations. */
export function checkLocalpart(value: string): string | undefined {
  return /^[a-z0-9._=/+-]+$/.test(value)
    ? undefined
    : "use lowercase letters, digits and . _ = - / + only (no @ and no :server part)";
}

/**
 * A size for Synapse with a unit: digits and K, M or G (powers of 1024, as
 * synapse.config._base.parse_size reads them). A bare number would be bytes
 * there, so "10" would mean 10 bytes; a unit is required so that never
 * happens by accident.
 */
export function checkSynapseSize(value: string): string | undefined {
  if (/^\d+$/.test(value)) return `a bare number is bytes to Synapse; add a unit: ${value}K, ${value}M or ${value}G`;
  return /^\d+[KMG]$/.test(value) ? undefined : "use a size with a unit, like 10M, 512K or 1G";
}

export function checkProxyUrl(value: string): string | undefined {
  if (value === "") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? undefined : "use an http:// or https:// URL";
  } catch {
    return "not a URL; use e.g. http://127.0.0.1:3128";
  }
}

/** Empty, or an https:// URL with a host (clients refuse plain http for a call server). */
export function checkHttpsUrl(value: string): string | undefined {
  if (value === "") return undefined;
  // It is written verbatim into JSON (Caddy's well-known) and YAML; a URL never needs these.
  if (/[\s`"'\\]/.test(value)) return "a URL has no spaces, quotes or backslashes";
  try {
    return new URL(value).protocol === "https:" ? undefined : "use an https:// URL";
  } catch {
    return "not a URL; use e.g. https://rtc.example.org/livekit/jwt";
  }
}

/** A Matrix user id, or a glob over user ids such as `@*:example.org`. */
export function checkUserPattern(value: string): string | undefined {
  return /^@[^:\s]+:[^\s]+$/.test(value) ? undefined : "use a user id like @alice:example.org (* is a wildcard)";
}

const sizeUnits: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Synapse's `parse_size`: bytes, or K, M, G and T suffixes as powers of 1024. */
export function parseSynapseSize(value: string): number {
  const match = /^(\d+)([KMGT]?)$/.exec(value);
  if (!match) throw new Error(`not a Synapse size: ${value}`);
  return Number(match[1]) * sizeUnits[match[2]!]!;
}
