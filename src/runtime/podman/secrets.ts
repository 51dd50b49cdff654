import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import { exec } from "../../io/exec.ts";
import { readTextIfExists, writeFileAtomic } from "../../io/fs.ts";
import { sha256 } from "../../io/managed-files.ts";
import { postgresPasswordSecret } from "../../render/quadlet.ts";
import { readSecret, type SecretName } from "../../secrets/store.ts";
import { MxError } from "../../ui/errors.ts";

/**
 * Podman secrets hold what the containers read from their environment (the
 * database password). Podman cannot show a secret's value back, so mxhome
 * records a fingerprint of what it stored, to know when it must be replaced.
 */
export interface DesiredSecret {
  name: string;
  fingerprint: string;
}

/** Each podman secret and the mxhome secret file it carries. */
const podmanSecrets: Record<string, SecretName> = { [postgresPasswordSecret]: "postgresPassword" };

/** `podman secret create --replace` arrived in podman 4.7 (containers/podman#19004). */
export const secretReplaceMinimumPodman = "4.7.0";

export function desiredPodmanSecrets(paths: Paths): DesiredSecret[] {
  return Object.entries(podmanSecrets).map(([name, secret]) => ({ name, fingerprint: sha256(readSecret(paths, secret)) }));
}

const recordsFile = (paths: Paths) => join(paths.stateDir, "podman-secrets.json");

export function readSecretRecords(paths: Paths): Record<string, string> {
  try {
    return (JSON.parse(readTextIfExists(recordsFile(paths)) ?? "{}") as { fingerprints?: Record<string, string> }).fingerprints ?? {};
  } catch {
    return {};
  }
}

async function podman(args: string[]): Promise<void> {
  const result = await exec(["podman", ...args], { timeoutMs: 60_000 });
  if (result.exitCode === 0) return;
  throw new MxError(`\`podman ${args.slice(0, 3).join(" ")} …\` failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`, {
    code: "podman.secret-failed",
    hint: "Check `podman secret ls`; `podman info` shows whether rootless podman works for your user.",
  });
}

/**
 * Creates or replaces one secret. Podman reads the value from mxhome's 0600
 * secret file by path, so it is never in argv. Not through stdin: `podman
 * secret create NAME -` accepts only a named pipe there (its create.go checks
 * os.ModeNamedPipe), and Bun hands a child a memfd or a socketpair instead.
 */
export async function storePodmanSecret(paths: Paths, name: string, mode: "create" | "replace" | "remove-and-create"): Promise<void> {
  const secret = podmanSecrets[name];
  if (!secret) throw new Error(`unknown podman secret ${name}`);
  const value = readSecret(paths, secret);
  if (mode === "remove-and-create") await podman(["secret", "rm", name]);
  await podman(["secret", "create", ...(mode === "replace" ? ["--replace"] : []), name, paths.secrets[secret]]);
  const fingerprints = { ...readSecretRecords(paths), [name]: sha256(value) };
  writeFileAtomic(recordsFile(paths), `${JSON.stringify({ version: 1, fingerprints }, null, 2)}\n`, 0o600);
}
