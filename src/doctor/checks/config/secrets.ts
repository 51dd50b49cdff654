import type { SecretName } from "../../../secrets/store.ts";
import type { FactScope } from "../../facts/index.ts";
import type { FileStat } from "../../io.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export interface SecretObservation {
  name: SecretName;
  file: string;
  stat: FileStat | undefined;
  /** Only for the signing key: whether its one line has the right shape. The value itself is never kept. */
  wellFormed?: boolean;
}

/** `ed25519 a_<key id> <unpadded base64 of the 32-byte seed>`, one line. */
export const signingKeyShape = /^ed25519 a_[A-Za-z0-9_]+ [A-Za-z0-9+/]{43}$/;

export function gatherSecrets({ paths, io }: FactScope): SecretObservation[] {
  return (Object.keys(paths.secrets) as SecretName[]).map((name) => {
    const file = paths.secrets[name];
    const stat = io.stat(file);
    const observation: SecretObservation = { name, file, stat };
    if (name === "signingKey" && stat) observation.wellFormed = signingKeyShape.test((io.readText(file) ?? "").trim());
    return observation;
  });
}

export function judgeSecrets(secrets: SecretObservation[]): Verdict {
  const missing = secrets.filter((secret) => !secret.stat || secret.stat.size === 0);
  const signingKey = secrets.find((secret) => secret.name === "signingKey");
  if (missing.length) {
    const keyLost = missing.some((secret) => secret.name === "signingKey");
    return fail(
      `missing or empty: ${missing.map((secret) => secret.file).join(", ")}.${keyLost ? " A new signing key gives the server a new identity: other servers must refetch it, and events you signed before can no longer be verified with it." : ""}`,
      keyLost ? "Restore the files from a backup (`mxhome restore`); if you have none, `mxhome init` creates the missing ones (existing ones are kept)." : "mxhome init   # creates only the missing secrets; existing ones are kept",
    );
  }
  if (signingKey?.wellFormed === false) {
    return fail(`${signingKey.file} is not a Synapse signing key (one line: \`ed25519 a_<id> <base64 seed>\`).`, "Restore it from a backup (`mxhome restore`); Synapse does not start with a damaged signing key.");
  }
  return ok(`${secrets.length} secrets present; the signing key is well-formed`);
}

export const secretsCheck = defineCheck({
  id: "secrets",
  category: "config",
  title: "Secrets and signing key present",
  gather: gatherSecrets,
  judge: judgeSecrets,
});
