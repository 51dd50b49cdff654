/**
 * The files of a release directory, shared by `npm run release` (which
 * writes them) and `mxhome upgrade --self` (which trusts them only through
 * the signature):
 *
 *   mxhome-linux-x64, mxhome-linux-arm64   the binaries
 *   latest.json      version, and per architecture the file's name, SHA-256 and size
 *   SHA256SUMS       `sha256sum` lines for every file above, latest.json included
 *   SHA256SUMS.sig   Ed25519 signature of SHA256SUMS (64 raw bytes)
 *
 * Signing SHA256SUMS, which names latest.json's hash, signs the version too:
 * an old, validly signed binary cannot be passed off as a newer one.
 */
export const manifestFileName = "latest.json";
export const sumsFileName = "SHA256SUMS";
export const signatureFileName = "SHA256SUMS.sig";

/** The architectures released, as `${process.platform}-${process.arch}` names them. */
export const releaseArches = ["linux-x64", "linux-arm64"] as const;
export type ReleaseArch = (typeof releaseArches)[number];

export const binaryFileName = (arch: string) => `mxhome-${arch}`;

export interface ReleaseAsset {
  name: string;
  sha256: string;
  size: number;
}

export interface ReleaseManifest {
  schemaVersion: 1;
  version: string;
  files: Partial<Record<string, ReleaseAsset>>;
}

const sha256Pattern = /^[0-9a-f]{64}$/;
const fileNamePattern = /^[A-Za-z0-9._-]+$/;
export const versionPattern = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Pure: `sha256sum` output, one `<hex>  <name>` line per file. */
export function formatSums(entries: { name: string; sha256: string }[]): string {
  return entries.map(({ name, sha256 }) => `${sha256}  ${name}\n`).join("");
}

/** Pure: name → SHA-256 from `sha256sum` output (text or `*binary` mode); undefined when a line is not one. */
export function parseSums(text: string): Map<string, string> | undefined {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const match = /^([0-9a-f]{64}) [ *]([^/\s]+)$/.exec(line);
    if (!match) return undefined;
    sums.set(match[2]!, match[1]!);
  }
  return sums;
}

/** Pure: latest.json as written by `npm run release`. */
export function formatManifest(version: string, assets: Record<string, ReleaseAsset>): string {
  const manifest: ReleaseManifest = { schemaVersion: 1, version, files: assets };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Pure: latest.json, or the reason it is not one. */
export function parseManifest(text: string): { manifest: ReleaseManifest } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  const candidate = value as Partial<ReleaseManifest> | null;
  if (candidate?.schemaVersion !== 1) return { problem: "schemaVersion is not 1" };
  if (typeof candidate.version !== "string" || !versionPattern.test(candidate.version)) {
    return { problem: `version ${JSON.stringify(candidate.version)} is not x.y.z` };
  }
  if (typeof candidate.files !== "object" || candidate.files === null) return { problem: "files is missing" };
  for (const [arch, asset] of Object.entries(candidate.files)) {
    const ok =
      typeof asset?.name === "string" &&
      fileNamePattern.test(asset.name) &&
      typeof asset.sha256 === "string" &&
      sha256Pattern.test(asset.sha256) &&
      Number.isSafeInteger(asset.size) &&
      asset.size > 0;
    if (!ok) return { problem: `files.${arch} needs a plain file name, a sha256 and a size` };
  }
  return { manifest: candidate as ReleaseManifest };
}
