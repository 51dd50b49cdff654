import { existsSync, readdirSync } from "node:fs";
import type { Paths } from "../../config/paths.ts";
import { exec, which } from "../../io/exec.ts";
import { readTextIfExists } from "../../io/fs.ts";
import { parseTailscale, recordTailscale, type TailscaleRecording } from "../host/funnel.ts";
import type { HostObservation } from "../host/plan.ts";
import { parseSystemdUser, recordSystemdUser } from "../host/systemd-user.ts";
import { readStartedWith, type StartedWith } from "../service-records.ts";
import { readSecretRecords } from "./secrets.ts";
import { scaleProcessOfUnitFile, scaleUnit } from "../../render/quadlet.ts";

/**
 * What the podman planner knows about a machine. Observing is split in two:
 * `recordPodmanMachine` captures raw command output and file contents, and
 * the pure `parsePodmanRecording` turns them into facts. Tests feed the
 * parser recordings from real machines (test/fixtures/podman/).
 */
export interface PodmanRecording {
  user: string;
  /** `podman --version` ("podman version 4.9.3"); absent when podman is not installed. */
  podmanVersion?: string;
  /** The quadlet generator was found in one of podman's libexec dirs. */
  quadletFound: boolean;
  /** /sys/fs/cgroup/cgroup.controllers; absent on cgroups v1 (or hybrid). */
  cgroupControllers?: string;
  etcSubuid: string;
  etcSubgid: string;
  /** /var/lib/systemd/linger/<user> exists. */
  linger: boolean;
  /** `podman secret ls --format {{.Name}}`. */
  secretNames?: string;
  /** `podman images --format {{.Repository}}:{{.Tag}}`; absent when it failed (then no pull is planned). */
  imageNames?: string;
  /** `systemctl --user show …` for mxhome's units; absent when the user manager is unreachable. */
  systemctlShow?: string;
  tailscale: TailscaleRecording;
  /** mxhome's own records: secret fingerprints and the fingerprint each service was started with. */
  secretRecords: Record<string, string>;
  startedWith: StartedWith;
  /** [scale] processes whose quadlet unit is in the quadlet dir ("redis", "worker1"…), their units in systemctlShow too; absent in recordings from before [scale]. */
  scaleUnitsOnDisk?: string[];
}

export interface PodmanObservation {
  /** "4.9.3", or undefined when podman is missing. */
  podmanVersion: string | undefined;
  quadletFound: boolean;
  cgroupsV2: boolean;
  subordinateIds: { uid: boolean; gid: boolean };
  linger: boolean;
  secrets: string[];
  /** Images in the user's store; undefined when unknown. */
  images: string[] | undefined;
  secretRecords: Record<string, string>;
  startedWith: StartedWith;
  host: HostObservation;
  /** [scale] processes with a unit on disk: their quadlet files may go. */
  scaleUnitsOnDisk: string[];
  /** [scale] processes by their units' state: running (true), failed (false); absent: not running. */
  scale: Record<string, boolean>;
}

const quadletLocations = ["/usr/libexec/podman/quadlet", "/usr/lib/podman/quadlet", "/usr/local/libexec/podman/quadlet"];

async function stdoutOf(argv: string[]): Promise<string | undefined> {
  if (!which(argv[0]!)) return undefined;
  const result = await exec(argv, { timeoutMs: 15_000 }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout : undefined;
}

/** The [scale] processes whose quadlet unit file is in the quadlet dir. */
export function scaleUnitsOnDisk(paths: Paths): string[] {
  let files: string[];
  try {
    files = readdirSync(paths.quadletDir);
  } catch {
    return [];
  }
  return files.map(scaleProcessOfUnitFile).filter((name): name is string => name !== undefined).sort();
}

export async function recordPodmanMachine(paths: Paths, unitNames: string[], user = process.env.USER ?? ""): Promise<PodmanRecording> {
  const onDisk = scaleUnitsOnDisk(paths);
  const scaleServices = onDisk.map((name) => scaleUnit(name).service).filter((unit) => !unitNames.includes(unit));
  const [podmanVersion, secretNames, imageNames, systemctlShow, tailscale] = await Promise.all([
    stdoutOf(["podman", "--version"]),
    stdoutOf(["podman", "secret", "ls", "--format", "{{.Name}}"]),
    stdoutOf(["podman", "images", "--format", "{{.Repository}}:{{.Tag}}"]),
    recordSystemdUser([...unitNames, ...scaleServices]),
    recordTailscale(),
  ]);
  return {
    user,
    podmanVersion,
    quadletFound: quadletLocations.some((location) => existsSync(location)),
    cgroupControllers: readTextIfExists("/sys/fs/cgroup/cgroup.controllers"),
    etcSubuid: readTextIfExists("/etc/subuid") ?? "",
    etcSubgid: readTextIfExists("/etc/subgid") ?? "",
    linger: existsSync(`/var/lib/systemd/linger/${user}`),
    secretNames,
    imageNames,
    systemctlShow,
    tailscale,
    secretRecords: readSecretRecords(paths),
    startedWith: readStartedWith(paths),
    scaleUnitsOnDisk: onDisk,
  };
}

/** Pure: /etc/subuid-style ranges ("name:start:count") include one for this user (by name or uid). */
export function hasSubordinateRange(fileText: string, user: string, uid?: number): boolean {
  return fileText.split("\n").some((line) => {
    const [owner, , count] = line.trim().split(":");
    return (owner === user || (uid !== undefined && owner === String(uid))) && Number(count) > 0;
  });
}

const lines = (text: string | undefined) => (text ?? "").split("\n").map((line) => line.trim()).filter(Boolean);

/** Pure: recording → facts. */
export function parsePodmanRecording(recording: PodmanRecording, uid?: number): PodmanObservation {
  const systemd = parseSystemdUser(recording.systemctlShow);
  const scale: Record<string, boolean> = {};
  for (const [unit, state] of Object.entries(systemd.units)) {
    const name = scaleProcessOfUnitFile(unit.replace(/\.service$/, ".container"));
    if (name && ["active", "activating", "reloading"].includes(state.active)) scale[name] = true;
    else if (name && state.active === "failed") scale[name] = false;
  }
  return {
    podmanVersion: /(\d+\.\d+(?:\.\d+)?)/.exec(recording.podmanVersion ?? "")?.[1],
    quadletFound: recording.quadletFound,
    cgroupsV2: recording.cgroupControllers !== undefined,
    subordinateIds: {
      uid: hasSubordinateRange(recording.etcSubuid, recording.user, uid),
      gid: hasSubordinateRange(recording.etcSubgid, recording.user, uid),
    },
    linger: recording.linger,
    secrets: lines(recording.secretNames),
    images: recording.imageNames === undefined ? undefined : lines(recording.imageNames),
    secretRecords: recording.secretRecords,
    startedWith: recording.startedWith,
    host: { systemd, tailscale: parseTailscale(recording.tailscale, recording.user) },
    scaleUnitsOnDisk: recording.scaleUnitsOnDisk ?? [],
    scale,
  };
}
