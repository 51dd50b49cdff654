import {
  booleanField,
  enumField,
  type Field,
  type SpecTable,
  fractionField,
  integerField,
  stringField,
  stringListField,
} from "./fields.ts";
import { type ResourcesConfig, resourcesSpec } from "./resources.ts";
import { type ScaleConfig, scaleSpec } from "./scale.ts";
import {
  checkHostname,
  checkHttpsUrl,
  checkLocalpart,
  checkProxyUrl,
  checkServerName,
  checkSynapseSize,
  checkUserPattern,
} from "./validate-names.ts";

/** mxhome.toml, typed. Sections are extended by later features; unknown keys are errors. */
export interface Config {
  server: {
    server_name: string;
    /** The Funnel host (`<machine>.<tailnet>.ts.net`); empty means the same as server_name. */
    public_host: string;
    admin_user: string;
    max_upload: string;
  };
  network: {
    synapse_port: number;
    caddy_port: number;
    postgres_port: number;
    outbound_proxy: string;
  };
  retention: {
    days: number;
    purge_dead_rooms: boolean;
  };
  runtime: {
    kind: "podman" | "native";
    native: {
      python: string;
      caddy: string;
      postgres_bindir: string;
    };
  };
  kick: {
    after_days: number;
    scope: string;
    rooms: string[];
    apply: boolean;
    exempt_power_level: number;
    exempt_users: string[];
    max_share: number;
    reason: string;
  };
  backup: {
    enabled: boolean;
    keep: number;
    dir: string;
    include_media: boolean;
    passphrase_file: string;
  };
  space: {
    trusted_remote_users: string[];
  };
  upgrade: {
    release_url: string;
  };
  calls: {
    livekit_service_url: string;
  };
  resources: ResourcesConfig;
  scale: ScaleConfig;
}

export type ConfigSpec<T> = {
  [K in keyof T]: T[K] extends readonly unknown[] ? Field<T[K]> : T[K] extends object ? ConfigSpec<T[K]> : Field<T[K]>;
};

export const configSpec: ConfigSpec<Config> = {
  server: {
    server_name: stringField("Your homeserver's name, the part after the colon in @you:name. It can never change once users exist.", {
      allowed: "a hostname like pc.tailnet.ts.net, without a port (a port only for localhost and IP literals)",
      check: checkServerName,
    }),
    public_host: stringField("The Tailscale Funnel host that serves this machine publicly; empty means the same as server_name.", {
      default: "",
      allowed: "empty, or a hostname like pc.tailnet.ts.net",
      check: (value) => (value === "" ? undefined : checkHostname(value)),
    }),
    admin_user: stringField("Localpart of your own admin account.", { default: "admin", check: checkLocalpart }),
    max_upload: stringField("Largest upload Synapse accepts (the guide advises 10M or less).", {
      default: "10M",
      allowed: "a size with a unit K, M or G, like 10M or 512K",
      check: checkSynapseSize,
    }),
  },
  network: {
    synapse_port: integerField("Synapse's client/federation listener, on 127.0.0.1 only.", { default: 8008, min: 1, max: 65535 }),
    caddy_port: integerField("Caddy's plain-HTTP port on 127.0.0.1; Funnel forwards 443 here.", { default: 8080, min: 1, max: 65535 }),
    postgres_port: integerField("PostgreSQL's port on 127.0.0.1; not 5432, so it never collides with a host PostgreSQL.", {
      default: 5433,
      min: 1,
      max: 65535,
    }),
    outbound_proxy: stringField("HTTP(S) proxy for Synapse's outgoing traffic. Funnel hides only incoming traffic.", {
      default: "",
      allowed: "empty, or an http:// or https:// URL",
      check: checkProxyUrl,
    }),
  },
  retention: {
    days: integerField("History and media older than this many days are purged.", { default: 14, min: 1, max: 3650 }),
    purge_dead_rooms: booleanField("`mxhome purge` deletes rooms no local user is joined to.", true),
  },
  runtime: {
    kind: enumField("How services run: rootless Podman + Quadlet, or plain processes.", ["podman", "native"], "podman"),
    native: {
      python: stringField("Native runtime: a Python with Synapse and psycopg2 to use instead of the Synapse mxhome installs; empty means mxhome's own (a venv under the data dir).", { default: "" }),
      caddy: stringField("Native runtime: the caddy executable.", { default: "caddy" }),
      postgres_bindir: stringField("Native runtime: directory holding initdb and pg_ctl; empty means search PATH and /usr/lib/postgresql for the cluster's major version.", {
        default: "",
      }),
    },
  },
  kick: {
    after_days: integerField("Members with no activity for this many days are proposed for removal.", { default: 30, min: 1, max: 3650 }),
    scope: stringField('"space" (the Space `mxhome space create` made), a room id (!…) or an alias (#…).', {
      default: "space",
      allowed: '"space", a room id like !abc:example.org or an alias like #room:example.org',
      check: (value) => (value === "space" || /^[!#][^:\s]+:\S+$/.test(value) ? undefined : "not a room id or alias"),
    }),
    rooms: stringListField("Extra rooms to include besides the scope.", {
      allowed: "room ids or aliases",
      check: (value) => (/^[!#][^:\s]+:\S+$/.test(value) ? undefined : "not a room id or alias"),
    }),
    apply: booleanField("false: the timer only previews. true: the timer removes inactive members.", false),
    exempt_power_level: integerField("Members at or above this power level are never removed.", { default: 50, min: 0, max: 100 }),
    exempt_users: stringListField("Users never removed, e.g. your alt account; * is a wildcard.", {
      allowed: "user ids like @me:other.org",
      check: checkUserPattern,
    }),
    max_share: fractionField("Refuse a run that would remove more than this share of members (always allows one when above 0; 0: none without --max).", 0.2),
    reason: stringField("Reason shown to removed members.", { default: "Inactive for a while; you are welcome back any time." }),
  },
  backup: {
    enabled: booleanField("Run `mxhome backup` weekly from a timer.", false),
    keep: integerField("How many backups to keep.", { default: 4, min: 1, max: 1000 }),
    dir: stringField("Where backups go; empty means the data dir's backups/.", { default: "" }),
    include_media: booleanField("Backups also hold uploaded media (`mxhome backup --include-media`).", false),
    passphrase_file: stringField("Encrypt backups with the passphrase in this file (mode 0600); empty: not encrypted unless --encrypt.", {
      default: "",
      allowed: "empty, or an absolute path",
      check: (value) => (value === "" || value.startsWith("/") ? undefined : "not an absolute path"),
    }),
  },
  space: {
    trusted_remote_users: stringListField("Users on other homeservers allowed power level 50 or more (e.g. your own alt).", {
      allowed: "user ids like @me:other.org",
      check: checkUserPattern,
    }),
  },
  upgrade: {
    release_url: stringField("Where `mxhome upgrade --self` gets new mxhome releases: a URL or a directory; empty: pass --from.", {
      default: "",
      allowed: "empty, an http:// or https:// URL (e.g. …/releases/latest/download), or an absolute directory",
      // Signatures, not the transport, make a release trustworthy: plain http and local directories are fine.
      check: (value) =>
        value === "" || value.startsWith("/") || /^(https?:\/\/[^\s/]+|file:\/\/\/)/i.test(value) ? undefined : "use an http(s):// URL or an absolute directory",
    }),
  },
  calls: {
    livekit_service_url: stringField(
      "A MatrixRTC/LiveKit call server hosted elsewhere (its JWT service URL); empty: no calls, since Funnel cannot carry their UDP media.",
      { default: "", allowed: "empty, or an https:// URL like https://rtc.example.org/livekit/jwt", check: checkHttpsUrl },
    ),
  },
  resources: resourcesSpec,
  scale: scaleSpec,
};

/** The host Funnel serves; where the deployment is reachable. */
export function publicHost(config: Config): string {
  return config.server.public_host || config.server.server_name;
}

/** Topology B: the server name is a custom domain that delegates to the Funnel host. */
export function usesCustomDomain(config: Config): boolean {
  return publicHost(config) !== config.server.server_name;
}

export const configSpecTree = configSpec as unknown as SpecTable;
