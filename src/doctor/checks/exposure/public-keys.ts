import { gatherPublic, type PublicObservation } from "../../facts/public.ts";
import type { FactScope } from "../../facts/index.ts";
import { checkServerKeys, publicKeyOfSigningKey, type ServerKeys } from "../../signing.ts";
import { type Check, fail, ok, type Verdict } from "../../types.ts";

export interface LocalKey {
  keyId: string;
  publicKey: string;
}

/** The public half of the local signing key; the seed never leaves this function. */
export function gatherLocalKey({ io, paths }: FactScope): LocalKey | undefined {
  const line = io.readText(paths.secrets.signingKey);
  return line ? publicKeyOfSigningKey(line) : undefined;
}

/** `/_matrix/key/v2/server` over the internet: self-signed by server_name, still valid, and this machine's key. */
export function judgePublicKeys(observation: PublicObservation, serverName: string, local: LocalKey | undefined, now: Date): Verdict {
  const { keys } = observation;
  const fix = "mxhome doctor --only synapse   # Synapse must answer /_matrix/key/v2/server; `mxhome logs synapse` shows signing-key errors";
  if (keys.error || keys.answer?.status !== 200) return fail(`https://${observation.host}/_matrix/key/v2/server answers ${keys.error?.message ?? keys.answer?.status}.`, fix);
  let document: ServerKeys;
  try {
    document = JSON.parse(keys.answer.body) as ServerKeys;
  } catch {
    return fail("/_matrix/key/v2/server did not answer JSON.", fix);
  }
  const verdict = checkServerKeys(document, serverName);
  if (!verdict.ok) {
    return fail(`the server keys published at https://${observation.host} fail verification: ${verdict.problem}. Other servers reject everything your server signs.`, "Make sure Funnel forwards to this machine's Caddy (`mxhome doctor --only funnel`) and that Synapse runs with mxhome's signing key (`mxhome up`).");
  }
  if (typeof document.valid_until_ts === "number" && document.valid_until_ts < now.getTime()) {
    return fail(`the published keys expired at ${new Date(document.valid_until_ts).toISOString()} (check the clock).`, "sudo timedatectl set-ntp true && mxhome up");
  }
  if (local && document.verify_keys?.[local.keyId]?.key !== local.publicKey) {
    return fail(`the key published at https://${observation.host} is not this machine's ${local.keyId}: Funnel reaches another server.`, "mxhome doctor --only funnel");
  }
  return ok(`/_matrix/key/v2/server is signed by ${serverName} with ${verdict.keyIds.join(", ")} (verified)`);
}

export const publicKeysCheck: Check = {
  id: "public-signing-key",
  category: "exposure",
  title: "Signed server keys over the internet",
  public: true,
  after: ["public-tls"],
  run: async ({ facts, config, now }) => judgePublicKeys(await facts.get(gatherPublic), config.server.server_name, await facts.get(gatherLocalKey), now()),
};
