import { type Config, publicHost } from "../../../config/schema.ts";
import { type CaddyObservation, gatherCaddy, type Probe } from "../../facts/local-http.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

/** Pure: what is wrong with one well-known answer, if anything. */
export function wellKnownProblem(name: "server" | "client", answer: Probe, config: Config): string | undefined {
  const where = `/.well-known/matrix/${name}`;
  if (answer.error) return `${where}: ${answer.error}`;
  if (answer.status !== 200) return `${where} answers ${answer.status}`;
  let body: Record<string, any>;
  try {
    body = JSON.parse(answer.body ?? "");
  } catch {
    return `${where} is not JSON`;
  }
  const host = publicHost(config);
  if (name === "server" && body["m.server"] !== `${host}:443`) {
    return `${where} says ${JSON.stringify(body["m.server"])}, not "${host}:443" (the Funnel host on 443; 8448 is not a Funnel port)`;
  }
  const baseUrl = String(body["m.homeserver"]?.base_url ?? "").replace(/\/$/, "");
  if (name === "client" && baseUrl !== `https://${host}`) return `${where} says base_url ${JSON.stringify(body["m.homeserver"]?.base_url)}, not "https://${host}"`;
  if (name === "client" && answer.headers?.["access-control-allow-origin"] !== "*") return `${where} lacks \`Access-Control-Allow-Origin: *\`, so web clients cannot read it`;
  return undefined;
}

const restoreCaddyfile = "mxhome up --force   # restores mxhome's Caddyfile (a backup of yours is kept) and restarts Caddy";

export function judgeWellKnown(caddy: CaddyObservation, config: Config): Verdict {
  if (caddy.server.error && caddy.client.error) return fail(`Caddy does not answer on ${caddy.url} (${caddy.server.error}).`, "mxhome up   # then `mxhome logs caddy`");
  const problems = (["server", "client"] as const).map((name) => wellKnownProblem(name, caddy[name], config)).filter(Boolean) as string[];
  if (problems.length) return fail(problems.join("; "), restoreCaddyfile);
  return ok(`Caddy serves both well-knowns (m.server ${publicHost(config)}:443, CORS on the client file)`);
}

/** The admin API must never answer through Caddy: Synapse's answers are JSON, Caddy's own 404 is empty. */
export function judgeAdminHidden(caddy: CaddyObservation): Verdict {
  const { admin } = caddy;
  if (admin.error) return fail(`cannot ask Caddy (${admin.error}).`, "mxhome up   # then `mxhome logs caddy`");
  const fromSynapse = /server_version|errcode/.test(admin.body ?? "");
  if (admin.status === 404 && !fromSynapse) return ok("Caddy answers /_synapse/admin with 404");
  return fail(
    `Caddy passes /_synapse/admin to Synapse (answered ${admin.status}): through Funnel, anyone on the internet reaches the admin API.`,
    restoreCaddyfile,
  );
}

export function judgeCaddyProxy(caddy: CaddyObservation): Verdict {
  const { versions } = caddy;
  if (versions.status === 200 && /"versions"/.test(versions.body ?? "")) return ok("Caddy forwards /_matrix to Synapse");
  return fail(`/_matrix/client/versions through Caddy answers ${versions.error ?? versions.status}: clients and other servers cannot reach Synapse.`, restoreCaddyfile);
}

export const wellKnownCheck = defineCheck({
  id: "caddy-well-known",
  category: "services",
  title: "Caddy serves the well-knowns",
  gather: gatherCaddy,
  judge: (caddy, { config }) => judgeWellKnown(caddy, config),
});

export const adminHiddenCheck = defineCheck({
  id: "caddy-admin-hidden",
  category: "services",
  title: "Admin API not public",
  gather: gatherCaddy,
  judge: judgeAdminHidden,
});

export const caddyProxyCheck = defineCheck({
  id: "caddy-proxy",
  category: "services",
  title: "Caddy reaches Synapse",
  after: ["synapse"],
  gather: gatherCaddy,
  judge: judgeCaddyProxy,
});
