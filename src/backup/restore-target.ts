import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { ensurePrivateDir } from "../io/fs.ts";
import { MxError } from "../ui/errors.ts";
import { observePrograms, programProblems } from "../runtime/native/programs.ts";
import { isPortTaken } from "../runtime/native/observe.ts";
import { runtimeFor } from "../runtime/select.ts";
import { serviceOrder } from "../runtime/runtime.ts";
import { memberTarget, memberMode, type Section, sectionOf } from "./layout.ts";
import type { BackupManifest } from "./manifest.ts";
import { type PortSetting, portSettings } from "./ports.ts";
import type { RestoreTarget } from "./restore-plan.ts";

/** Effectful: what is at the restore target, and moving verified files into place. */

/** Natively a cluster; with podman the container's data dir, which the user may not even list (another uid owns it). */
function clusterPresent(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EACCES";
  }
}

export interface ObservedTarget {
  target: RestoreTarget;
  /** The existing mxhome.toml, when there is one and it is valid. */
  config?: Config;
  /** Loopback ports the existing server's running services hold (they will be stopped or reused). */
  ownPorts: number[];
}

export async function observeRestoreTarget(paths: Paths): Promise<ObservedTarget> {
  const configExists = existsSync(paths.configFile);
  let config: Config | undefined;
  try {
    config = configExists ? loadConfig(paths.configFile) : undefined;
  } catch {
    config = undefined;
  }
  const states = config ? await runtimeFor(paths, config).serviceStates().catch(() => undefined) : undefined;
  const running = serviceOrder.filter((service) => states?.[service] === "running");
  const portOf = { postgres: "postgres_port", synapse: "synapse_port", caddy: "caddy_port" } as const;
  return {
    target: {
      configExists,
      signingKeyExists: existsSync(paths.secrets.signingKey),
      clusterPresent: clusterPresent(paths.postgresDir),
      postgresPasswordExists: existsSync(paths.secrets.postgresPassword),
      running,
    },
    config,
    ownPorts: config ? running.map((service) => config.network[portOf[service]]) : [],
  };
}

/** The restored config's ports that some other program holds. */
export async function takenPorts(config: Config, ownPorts: number[]): Promise<{ setting: PortSetting; port: number }[]> {
  const taken: { setting: PortSetting; port: number }[] = [];
  for (const setting of portSettings) {
    const port = config.network[setting];
    if (!ownPorts.includes(port) && (await isPortTaken(port))) taken.push({ setting, port });
  }
  return taken;
}

/** The programs the restored config names must exist here: checked before anything is written. */
export async function checkRuntimeHere(paths: Paths, config: Config): Promise<void> {
  if (config.runtime.kind !== "native") return; // podman's prerequisites are `up`'s blockers, named before it changes anything
  // The same findings `up` refuses to start on; a Synapse mxhome installs itself is no reason to refuse.
  const blocking = programProblems(await observePrograms(paths, config), false).find((problem) => problem.blocking);
  if (blocking) throw new MxError(blocking.message, { code: blocking.code, hint: blocking.fix });
}

/** Moves a file into place atomically (a copy first when the staging dir is on another file system). */
function moveInto(source: string, target: string): void {
  try {
    renameSync(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    const temporary = join(dirname(target), `.${basename(target)}.restore.tmp`);
    copyFileSync(source, temporary);
    renameSync(temporary, target);
    rmSync(source, { force: true });
  }
}

/** Moves the verified members of some sections from staging to their places; returns how many. */
export function installStaged(staging: string, manifest: BackupManifest, paths: Paths, sections: Section[], skip: (member: string) => boolean = () => false): number {
  let count = 0;
  for (const member of manifest.members) {
    const section = sectionOf(member.path);
    const target = memberTarget(member.path, paths);
    if (!section || !sections.includes(section) || !target || skip(member.path)) continue;
    const parent = dirname(target);
    if (parent === paths.secretsDir || parent === paths.credentialsDir) ensurePrivateDir(parent);
    else mkdirSync(parent, { recursive: true, mode: section === "state" ? 0o700 : 0o755 });
    const source = join(staging, member.path);
    // chmod before the move: a secret is never visible under looser permissions.
    chmodSync(source, memberMode(member.path, member.mode));
    moveInto(source, target);
    count++;
  }
  return count;
}
