import type { ServiceName } from "../render/types.ts";
import { ExitCode, MxError } from "../ui/errors.ts";
import { sectionOf } from "./layout.ts";
import type { BackupManifest } from "./manifest.ts";
import type { PortChange, PortSetting } from "./ports.ts";
import { formatBytes } from "../doctor/format-units.ts";

/**
 * Pure: what `mxhome restore` will do, decided from what the archive holds
 * and what is already on this machine. The plan is what `--dry-run` prints.
 */
export interface RestoreTarget {
  configExists: boolean;
  signingKeyExists: boolean;
  /** A PostgreSQL data dir with content (natively a cluster; with podman, the container's). */
  clusterPresent: boolean;
  postgresPasswordExists: boolean;
  /** Services of the server already here that run now. */
  running: ServiceName[];
}

export type RestoreStep =
  | { kind: "safety-backup"; includeDatabase: boolean }
  | { kind: "stop"; services: ServiceName[] }
  | { kind: "write-config"; files: number; portChanges: PortChange[] }
  | { kind: "write-secrets"; files: number; keepPostgresPassword: boolean }
  | { kind: "write-state"; files: number }
  | { kind: "start-database" }
  | { kind: "load-database"; bytes: number; postgres: string }
  | { kind: "restore-media"; files: number; bytes: number }
  | { kind: "up" };

export interface RestorePlan {
  existingServer: boolean;
  /** The cluster here already has a password; the archive's would not open it. */
  keepPostgresPassword: boolean;
  steps: RestoreStep[];
  notes: string[];
}

export const isExistingServer = (target: RestoreTarget) =>
  target.configExists || target.signingKeyExists || target.clusterPresent || target.running.length > 0;

/** Refuses to replace a homeserver without --force; checked before the archive is even read. */
export function refuseExistingServer(target: RestoreTarget, force: boolean, archive: string): MxError | undefined {
  if (force || !isExistingServer(target)) return undefined;
  const found = [
    target.running.length ? `running: ${target.running.join(", ")}` : "",
    target.configExists ? "mxhome.toml" : "",
    target.signingKeyExists ? "a signing key" : "",
    target.clusterPresent ? "a database" : "",
  ].filter(Boolean);
  return new MxError(`There is already a homeserver here (${found.join("; ")}). Nothing was changed.`, {
    code: "restore.existing-server",
    hint: `mxhome restore ${archive} --force   # replaces it, after taking a backup of it`,
    exitCode: ExitCode.usage,
  });
}

/** Refuses ports another program holds, naming the flag that picks another. */
export function refuseTakenPorts(taken: { setting: PortSetting; port: number }[], archive: string): MxError | undefined {
  if (taken.length === 0) return undefined;
  const flags = taken.map((t) => `--${t.setting.replace("_", "-")} <free port>`).join(" ");
  return new MxError(`The restored server's ports are used by another program: ${taken.map((t) => `${t.port} (network.${t.setting})`).join(", ")}. Nothing was changed.`, {
    code: "restore.ports-taken",
    hint: `mxhome restore ${archive} ${flags}   # or stop that program`,
    exitCode: ExitCode.usage,
  });
}

export function planRestore(manifest: BackupManifest, target: RestoreTarget, portChanges: PortChange[]): RestorePlan {
  const members = (section: string) => manifest.members.filter((member) => sectionOf(member.path) === section);
  const existingServer = isExistingServer(target);
  const keepPostgresPassword = target.clusterPresent && target.postgresPasswordExists;
  const media = members("media");
  const dump = members("database")[0];
  const steps: RestoreStep[] = [];
  if (existingServer) steps.push({ kind: "safety-backup", includeDatabase: target.clusterPresent });
  const stopping = target.running.filter((service) => service !== "postgres");
  if (stopping.length) steps.push({ kind: "stop", services: stopping });
  steps.push({ kind: "write-config", files: members("config").length, portChanges });
  steps.push({ kind: "write-secrets", files: members("secrets").length, keepPostgresPassword });
  if (members("state").length) steps.push({ kind: "write-state", files: members("state").length });
  steps.push({ kind: "start-database" });
  if (dump) steps.push({ kind: "load-database", bytes: dump.size, postgres: manifest.versions.postgres });
  if (media.length) steps.push({ kind: "restore-media", files: media.length, bytes: media.reduce((sum, m) => sum + m.size, 0) });
  steps.push({ kind: "up" });

  const notes = [`made ${manifest.createdAt} for ${manifest.serverName} (${manifest.runtime} runtime) by mxhome ${manifest.versions.mxhome}, Synapse ${manifest.versions.synapse}`];
  if (!dump) notes.push("The archive holds no database: Synapse will start on an empty one.");
  if (!manifest.includes.media) notes.push("The archive holds no media (made without --include-media): uploads are missing unless this machine's media store still has them.");
  if (keepPostgresPassword) notes.push("The database cluster here keeps its own password (the archive's would not open it).");
  return { existingServer, keepPostgresPassword, steps, notes };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

export function describeRestoreStep(step: RestoreStep): string {
  switch (step.kind) {
    case "safety-backup":
      return `back up the server that is here first (with media${step.includeDatabase ? "" : ", no database yet"}), labelled pre-restore`;
    case "stop":
      return `stop ${step.services.join(" and ")}`;
    case "write-config":
      return `write mxhome.toml and the Synapse overrides (${plural(step.files, "file")})${step.portChanges.map((c) => `; ${c.setting} ${c.from} → ${c.to}`).join("")}`;
    case "write-secrets":
      return `write the signing key and secrets (${plural(step.files, "file")}, 0600)${step.keepPostgresPassword ? "; the PostgreSQL password here is kept" : ""}`;
    case "write-state":
      return `write mxhome's credentials and records (${plural(step.files, "file")})`;
    case "start-database":
      return "start PostgreSQL as `up` would (a new cluster when there is none), Synapse still stopped";
    case "load-database":
      return `recreate Synapse's database (UTF8, collation C) and load the dump (${formatBytes(step.bytes)}, from PostgreSQL ${step.postgres.split(" ")[0]})`;
    case "restore-media":
      return `restore ${plural(step.files, "media file")} (${formatBytes(step.bytes)})`;
    case "up":
      return "run `mxhome up`: start Synapse and Caddy, check mxhome's accounts";
  }
}
