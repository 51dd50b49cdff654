import type { RuntimeKind } from "../runtime/runtime.ts";
import { corruptArchive } from "./cipher.ts";
import { isSafeRelativePath, manifestMember, memberPlace, sectionOf } from "./layout.ts";

/**
 * manifest.json, the last member of every archive: what the archive holds,
 * the SHA-256 of every other member, and the versions it came from.
 */
export interface ManifestMember {
  path: string;
  size: number;
  sha256: string;
  mode: number;
}

export interface BackupManifest {
  format: "mxhome-backup";
  formatVersion: 1;
  createdAt: string;
  serverName: string;
  runtime: RuntimeKind;
  includes: { database: boolean; media: boolean };
  versions: { mxhome: string; synapse: string; postgres: string };
  members: ManifestMember[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function validMember(value: unknown): value is ManifestMember {
  if (!isObject(value)) return false;
  const { path, size, sha256, mode } = value;
  return (
    typeof path === "string" &&
    isSafeRelativePath(path) &&
    sectionOf(path) !== undefined &&
    Number.isSafeInteger(size) &&
    (size as number) >= 0 &&
    typeof sha256 === "string" &&
    /^[0-9a-f]{64}$/.test(sha256) &&
    Number.isInteger(mode)
  );
}

/** Pure: manifest text → manifest, or the corrupt-archive error naming what is wrong. */
export function parseManifest(text: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corruptArchive("manifest.json is not JSON");
  }
  if (!isObject(value) || value.format !== "mxhome-backup") throw corruptArchive("manifest.json is not an mxhome backup manifest");
  if (value.formatVersion !== 1) {
    throw corruptArchive(`the archive has format version ${String(value.formatVersion)}; this mxhome reads version 1 (a newer mxhome made it?)`);
  }
  const { members, includes, versions } = value;
  if (!Array.isArray(members) || !members.every(validMember) || !isObject(includes) || !isObject(versions)) {
    throw corruptArchive("manifest.json lists members it cannot describe");
  }
  if (typeof value.serverName !== "string" || (value.runtime !== "native" && value.runtime !== "podman")) {
    throw corruptArchive("manifest.json has no server name or runtime");
  }
  return value as unknown as BackupManifest;
}

/**
 * Pure: compares what the archive held with what its manifest promises.
 * Every problem is listed; an empty list means every byte checked out.
 */
export function compareWithManifest(manifest: BackupManifest, seen: ManifestMember[]): string[] {
  const problems: string[] = [];
  const expected = new Map(manifest.members.map((member) => [member.path, member]));
  const counted = new Set<string>();
  for (const member of seen) {
    if (member.path === manifestMember) continue;
    if (counted.has(member.path)) problems.push(`${member.path} appears twice`);
    counted.add(member.path);
    const promised = expected.get(member.path);
    if (!promised) problems.push(`${member.path} is not in the manifest`);
    else if (promised.size !== member.size) problems.push(`${member.path} has ${member.size} bytes, the manifest says ${promised.size}`);
    else if (promised.sha256 !== member.sha256) problems.push(`${member.path} does not match its SHA-256`);
  }
  for (const path of expected.keys()) if (!counted.has(path)) problems.push(`${path} is missing`);
  for (const member of manifest.members) {
    if (sectionOf(member.path) !== "database" && !memberPlace(member.path)) problems.push(`${member.path} has no place to be restored to`);
  }
  const hasDump = manifest.members.some((member) => sectionOf(member.path) === "database");
  if (hasDump !== Boolean(manifest.includes.database)) problems.push("the manifest's database flag does not match its members");
  return problems;
}
