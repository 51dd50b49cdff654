import type { Config } from "../../../config/schema.ts";
import { type CaddyObservation, gatherCaddy, type Probe } from "../../facts/local-http.ts";
import { defineCheck, info, ok, type Verdict, warn } from "../../types.ts";

/**
 * What clients are told, read through Caddy as they read it: native sliding
 * sync (without it Element X refuses to log in), and calls, which this
 * server can't carry itself.
 */
const slidingSyncFeature = "org.matrix.simplified_msc3575";
const rtcFociKey = "org.matrix.msc4143.rtc_foci";

const parse = (probe: Probe): Record<string, any> | undefined => {
  try {
    return JSON.parse(probe.body ?? "");
  } catch {
    return undefined;
  }
};

export function judgeSlidingSync(caddy: CaddyObservation): Verdict {
  const versions = parse(caddy.versions);
  if (versions?.unstable_features?.[slidingSyncFeature] === true) {
    return ok(`/_matrix/client/versions advertises ${slidingSyncFeature}: Element X logs in with a password, no MAS needed`);
  }
  return warn(
    `/_matrix/client/versions does not advertise ${slidingSyncFeature} (native sliding sync), so Element X refuses to log in; Element Web, Cinny and others still work.`,
    "Synapse 1.114 or later serves it by default: run `mxhome up` to use the pinned Synapse, and remove any `experimental_features` for MSC3575 from your homeserver overrides.",
  );
}

export function judgeCalls(caddy: CaddyObservation, config: Config): Verdict {
  const url = config.calls.livekit_service_url;
  if (!url) {
    return info(
      "No voice or video calls: they need a call server reachable over UDP (LiveKit for Element Call, TURN for legacy calls), and Funnel carries only TCP on 443, 8443 and 10000.",
      "To have calls, run a LiveKit call server elsewhere and set [calls] livekit_service_url in mxhome.toml, then `mxhome up`.",
    );
  }
  const foci = parse(caddy.client)?.[rtcFociKey] as { livekit_service_url?: string }[] | undefined;
  if (foci?.some((focus) => focus.livekit_service_url === url)) return ok(`calls go through the call server at ${url} (hosted elsewhere; mxhome does not check it)`);
  return warn(`[calls] livekit_service_url is ${url}, but /.well-known/matrix/client does not advertise it, so clients find no call server.`, "mxhome up   # renders Caddy's well-known and Synapse's matrix_rtc from mxhome.toml");
}

export const slidingSyncCheck = defineCheck({
  id: "sliding-sync",
  category: "services",
  title: "Element X can log in (native sliding sync)",
  after: ["caddy-proxy"],
  gather: gatherCaddy,
  judge: judgeSlidingSync,
});

export const callsCheck = defineCheck({
  id: "calls",
  category: "services",
  title: "Voice and video calls",
  after: ["caddy-well-known"],
  gather: gatherCaddy,
  judge: (caddy, { config }) => judgeCalls(caddy, config),
});
