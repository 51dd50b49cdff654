/**
 * Secrets never reach an output path: every value read from a secret file or
 * credential is registered here, and every writer passes text through `redact`.
 */
const knownSecrets = new Set<string>();

// Synapse access tokens (`syt_…`), refresh tokens (`syr_…`) and bearer headers.
const tokenPatterns: RegExp[] = [/\bsy[tr]_[A-Za-z0-9_-]{8,}/g, /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi];

export function registerSecret(value: string): void {
  const trimmed = value.trim();
  if (trimmed.length >= 6) knownSecrets.add(trimmed);
}

export function redact(text: string): string {
  let result = text;
  for (const secret of knownSecrets) result = result.split(secret).join("[REDACTED]");
  for (const pattern of tokenPatterns) {
    result = result.replace(pattern, (_match, prefix?: string) =>
      typeof prefix === "string" ? `${prefix}[REDACTED]` : "[REDACTED]",
    );
  }
  return result;
}
