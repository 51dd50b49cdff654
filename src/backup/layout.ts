import { join } from "node:path";
import type { Paths } from "../config/paths.ts";

/**
 * Pure: which files an archive holds and where each goes back. Members are
 * named by section, never by absolute path, so an archive restores under
 * any HOME: `config/mxhome.toml`, `config/homeserver.overrides.yaml`,
 * `secrets/<file>`, `state/<path>`, `media/<path>`, the database dump and,
 * last, `manifest.json`.
 */
export const databaseMember = "database/synapse.pgdump";
export const manifestMember = "manifest.json";
export const configMember = "config/mxhome.toml";
export const overridesMember = "config/homeserver.overrides.yaml";

export type Section = "config" | "secrets" | "state" | "media" | "database";

/** Files in the state dir that describe this machine, not the server: rebuilt by `up`, never archived. */
const machineStateNames = new Set(["native", "logs", "rendered.json", "services.json", "podman-secrets.json"]);
/**
 * Run records (runs/<command>[.<kind>].json) of the server's jobs travel with it, so "Last runs" survives
 * a restore; those of `up`, `down` and `restore` describe this machine.
 */
const archivedRunCommands = new Set(["purge", "kick", "backup"]);
/**
 * Generated passwords waiting to be handed over: `up`'s `admin-initial-password`, and `user add`'s and
 * `user password`'s `<name>-initial-password` / `<name>-new-password`. The user was told to read (or hand
 * over) and delete each, so a backup never carries them.
 */
export function isHandOverPassword(relative: string): boolean {
  return /^credentials\/[^/]+-(initial|new)-password$/.test(relative);
}

export function isMachineState(relative: string): boolean {
  const [top = "", name = ""] = relative.split("/");
  if (top === "runs") return !archivedRunCommands.has(name.split(".")[0] ?? "");
  // Locks belong to running processes; SQLite's sidecar files are folded into the snapshot taken of the database.
  return machineStateNames.has(top) || /\.lock$/.test(relative) || /-(wal|shm|journal)$/.test(relative);
}

/** Pure: whether a file of the state dir belongs in a backup (and may come back from one). */
export function isArchivedState(relative: string): boolean {
  return !isMachineState(relative) && !isHandOverPassword(relative);
}

/** A relative path with no way out of its directory. */
export function isSafeRelativePath(relative: string): boolean {
  if (relative === "" || relative.startsWith("/") || /[\x00-\x1f\\]/.test(relative)) return false;
  return relative.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

export function sectionOf(member: string): Section | undefined {
  if (member === databaseMember) return "database";
  const section = member.split("/")[0];
  return section === "config" || section === "secrets" || section === "state" || section === "media" ? section : undefined;
}

/** Pure: which restore location a member belongs to, relative to it; undefined for the dump, the manifest, and anything unknown or unsafe. */
export function memberPlace(member: string): { base: "configFile" | "overridesFile" | "secretsDir" | "stateDir" | "mediaStoreDir"; relative: string } | undefined {
  if (member === configMember) return { base: "configFile", relative: "" };
  if (member === overridesMember) return { base: "overridesFile", relative: "" };
  const slash = member.indexOf("/");
  const section = member.slice(0, slash);
  const relative = member.slice(slash + 1);
  if (slash <= 0 || !isSafeRelativePath(relative)) return undefined;
  if (section === "secrets" && !relative.includes("/")) return { base: "secretsDir", relative };
  if (section === "state" && isArchivedState(relative)) return { base: "stateDir", relative };
  if (section === "media") return { base: "mediaStoreDir", relative };
  return undefined;
}

/** Where a member is restored under `paths` (see memberPlace). */
export function memberTarget(member: string, paths: Paths): string | undefined {
  const place = memberPlace(member);
  if (!place) return undefined;
  const bases = {
    configFile: paths.configFile,
    overridesFile: paths.synapseOverridesFile,
    secretsDir: paths.secretsDir,
    stateDir: paths.stateDir,
    mediaStoreDir: paths.mediaStoreDir,
  };
  return place.relative ? join(bases[place.base], place.relative) : bases[place.base];
}

/**
 * A member's mode, inside the archive and when restored: secrets, credentials, the kick ledger and
 * everything else of the state dir 0600 whatever the file on disk says; other files never more open than 0644.
 */
export function memberMode(member: string, fileMode: number): number {
  const section = sectionOf(member);
  if (section === "secrets" || section === "state" || section === "database") return 0o600;
  return fileMode & 0o644;
}
