import type { Config } from "../../../config/schema.ts";
import { publicHost } from "../../../config/schema.ts";
import { gatherPublic, type Fetched, type PublicObservation } from "../../facts/public.ts";
import type { Probe } from "../../facts/local-http.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";
import { wellKnownProblem } from "../services/caddy.ts";

/** A public answer in the shape the local well-known judge reads. */
export function asProbe(fetched: Fetched): Probe {
  if (fetched.error) return { error: `${fetched.error.kind} error: ${fetched.error.message}` };
  const headers = Object.fromEntries(Object.entries(fetched.answer!.headers).map(([key, value]) => [key, String(value)]));
  return { status: fetched.answer!.status, headers, body: fetched.answer!.body };
}

const funnelFix = (config: Config) => `tailscale funnel --bg --https=443 http://127.0.0.1:${config.network.caddy_port}   # then wait a minute for public DNS`;

export function judgePublicTls(observation: PublicObservation, config: Config): Verdict {
  const { host, dns, server } = observation;
  if (dns.error) return fail(`${host} has no public DNS record (${dns.error}): Funnel is off, or was turned on moments ago.`, funnelFix(config));
  const error = server.error;
  if (error?.kind === "tls") {
    return fail(`https://${host} does not present a valid certificate for ${host} (${error.code}: ${error.message}).`, "Check that Funnel is on for this machine and HTTPS certificates are enabled for the tailnet; `tailscale cert` shows certificate errors.");
  }
  if (error) return fail(`https://${host} does not answer (${error.code}: ${error.message}).`, funnelFix(config));
  const certificate = server.answer?.certificate;
  return ok(`https://${host} (${dns.answer?.addresses.join(", ")}) has a valid certificate${certificate?.validTo ? ` until ${certificate.validTo}` : ""}${certificate?.issuer ? ` from ${certificate.issuer}` : ""}`);
}

export function judgePublicWellKnown(observation: PublicObservation, config: Config): Verdict {
  const problems = (["server", "client"] as const).map((name) => wellKnownProblem(name, asProbe(observation[name]), config)).filter(Boolean) as string[];
  if (problems.length === 0) return ok(`https://${observation.host}/.well-known/matrix/{server,client} delegate to ${publicHost(config)}:443`);
  return fail(`over the internet: ${problems.join("; ")}.`, "mxhome doctor --only caddy-well-known   # the local Caddy answer; if that is fine, check `tailscale funnel status`");
}

export function judgePublicFederation(observation: PublicObservation, config: Config): Verdict {
  const { version } = observation;
  const answer = asProbe(version);
  let server: { name?: string; version?: string } | undefined;
  try {
    server = (JSON.parse(answer.body ?? "") as { server?: { name?: string; version?: string } }).server;
  } catch {}
  if (answer.status === 200 && server?.name) return ok(`federation answers over the internet: ${server.name} ${server.version ?? ""}`.trim());
  return fail(`https://${observation.host}/_matrix/federation/v1/version answers ${answer.error ?? answer.status}: other servers cannot reach yours.`, `mxhome doctor --only caddy-proxy   # then check the Funnel target: ${funnelFix(config)}`);
}

export const publicTlsCheck = defineCheck({
  id: "public-tls",
  category: "exposure",
  title: "Public DNS and TLS for the Funnel host",
  public: true,
  gather: gatherPublic,
  judge: (observation, { config }) => judgePublicTls(observation, config),
});

export const publicWellKnownCheck = defineCheck({
  id: "public-well-known",
  category: "exposure",
  title: "Well-knowns over the internet",
  public: true,
  after: ["public-tls"],
  gather: gatherPublic,
  judge: (observation, { config }) => judgePublicWellKnown(observation, config),
});

export const publicFederationCheck = defineCheck({
  id: "public-federation",
  category: "exposure",
  title: "Federation API over the internet",
  public: true,
  after: ["public-tls"],
  gather: gatherPublic,
  judge: (observation, { config }) => judgePublicFederation(observation, config),
});
