/**
 * Which podman release first understands each quadlet key mxhome might write.
 * Quadlet fails the whole generator on a key it doesn't know, so a unit that
 * uses a newer key doesn't start at all on an older podman.
 *
 * [Container] keys: the `supportedContainerKeys` map in containers/podman
 * pkg/systemd/quadlet/quadlet.go at the tags v4.4.0 … v5.0.0, grouped by the
 * first tag that lists them. Other sections pass through to systemd untouched
 * (podman-systemd.unit.5.md: "all other sections are passed on untouched"), so
 * they need only quadlet itself (4.4); the ones mxhome writes are listed so a
 * new one is a conscious choice.
 */
const containerKeysSince: Record<string, string[]> = {
  "4.4.0": [
    "AddCapability", "AddDevice", "Annotation", "ContainerName", "DropCapability", "Environment", "EnvironmentFile",
    "EnvironmentHost", "Exec", "ExposeHostPort", "Group", "Image", "Label", "Network", "NoNewPrivileges", "Notify",
    "PodmanArgs", "PublishPort", "ReadOnly", "RemapGid", "RemapUid", "RemapUidSize", "RemapUsers", "RunInit",
    "SeccompProfile", "Timezone", "User", "VolatileTmp", "Volume",
  ],
  "4.5.0": [
    "HealthCmd", "HealthInterval", "HealthOnFailure", "HealthRetries", "HealthStartPeriod", "HealthStartupCmd",
    "HealthStartupInterval", "HealthStartupRetries", "HealthStartupSuccess", "HealthStartupTimeout", "HealthTimeout",
    "IP", "IP6", "LogDriver", "Mount", "Rootfs", "Secret", "SecurityLabelDisable", "SecurityLabelFileType",
    "SecurityLabelLevel", "SecurityLabelType", "Tmpfs", "UserNS",
  ],
  "4.6.0": ["AutoUpdate", "HostName", "Mask", "Pull", "SecurityLabelNested", "Sysctl", "Unmask", "WorkingDir"],
  "4.7.0": ["DNS", "DNSOption", "DNSSearch", "PidsLimit", "ShmSize", "Ulimit"],
  "4.8.0": ["ContainersConfModule", "GIDMap", "GlobalArgs", "ReadOnlyTmpfs", "SubGIDMap", "SubUIDMap", "UIDMap"],
  "5.0.0": ["Entrypoint", "Pod", "StopTimeout"],
};

/** systemd keys in the pass-through sections that mxhome's units use. */
const passThroughKeys = [
  "Unit.Description",
  "Unit.Requires",
  "Unit.After",
  "Unit.Wants",
  "Unit.StartLimitIntervalSec",
  "Unit.StartLimitBurst",
  "Service.Restart",
  "Service.RestartSec",
  "Service.TimeoutStartSec",
  // Resource control (systemd.resource-control(5)). podman-systemd.unit.5.md since 4.4: other sections "will be
  // passed on untouched, allowing the use of any normal systemd configuration options like dependencies or
  // cgroup limits". systemd itself has them since 232 (CPUWeight=), 230 (IOWeight=), 231 (MemoryHigh=).
  "Service.CPUWeight",
  "Service.IOWeight",
  "Service.MemoryHigh",
  // podman-systemd.unit.5.md (4.4 … 5.x): "only the Alias, WantedBy and RequiredBy keys are supported".
  "Install.WantedBy",
];

/** `Section.Key` (or `Section.Key=value` for a value that arrived later) → first podman version with it. */
export const quadletKeyMinimumPodman: Record<string, string> = {
  ...Object.fromEntries(passThroughKeys.map((key) => [key, "4.4.0"])),
  ...Object.fromEntries(
    Object.entries(containerKeysSince).flatMap(([version, keys]) => keys.map((key) => [`Container.${key}`, version])),
  ),
  // The key exists since 4.4; the value `healthy` only since 5.0 (podman-systemd.unit.5.md at v5.0.0).
  "Container.Notify=healthy": "5.0.0",
};

/**
 * Keys an older quadlet passes through untouched, in a section systemd then
 * ignores ("Unknown section 'Quadlet'. Ignoring."): they take effect from this
 * version on and break nothing before it, so they don't raise the minimum.
 *
 * [Quadlet] DefaultDependencies=false (containers/podman#24194, v5.3.0): no
 * Wants=/After= on podman-user-wait-network-online.service, which waits for the
 * system's network-online.target and stalls each start 90 s where nothing
 * activates that target. mxhome's units need no network to start: `up` pulls
 * missing images first, and host-network containers start without one.
 */
export const quadletKeyEffectiveSince: Record<string, string> = {
  "Quadlet.DefaultDependencies": "5.3.0",
};

/**
 * The oldest podman mxhome supports: quadlet itself arrived in 4.4, and the
 * units use Secret=, HealthCmd= and UserNS=, which arrived in 4.5.
 */
export const minimumPodman = "4.5.0";

/** Numeric dotted-version comparison: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Every `Section.Key` with its value in a unit file (comments, blank lines and continuations handled). */
export function listUnitKeys(unitText: string): { section: string; key: string; value: string }[] {
  const entries: { section: string; key: string; value: string }[] = [];
  let section = "";
  const lines = unitText.replace(/\\\n/g, " ").split("\n");
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const equals = line.indexOf("=");
    if (equals <= 0 || section === "") throw new Error(`not a unit-file line: ${line}`);
    entries.push({ section, key: line.slice(0, equals).trim(), value: line.slice(equals + 1).trim() });
  }
  return entries;
}

/** The oldest podman whose quadlet accepts every key in a rendered unit; throws on a key not in the table. */
export function requiredPodmanVersion(unitText: string): string {
  let required = "4.4.0";
  for (const { section, key, value } of listUnitKeys(unitText)) {
    if (quadletKeyEffectiveSince[`${section}.${key}`]) continue;
    const version =
      quadletKeyMinimumPodman[`${section}.${key}=${value}`] ?? quadletKeyMinimumPodman[`${section}.${key}`];
    if (version === undefined) throw new Error(`quadlet key ${section}.${key} is not in quadletKeyMinimumPodman`);
    if (compareVersions(version, required) > 0) required = version;
  }
  return required;
}
