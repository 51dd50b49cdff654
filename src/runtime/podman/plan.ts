import { images } from "../../render/images.ts";
import { compareVersions, minimumPodman } from "../../render/podman-keys.ts";
import { quadletUnits, scaleUnit } from "../../render/quadlet.ts";
import { mergeParts, planFunnelUp, planHostDown, planUnitReload, planUnitsUp, planWriteFiles } from "../host/plan.ts";
import { type Action, type Blocker, type DesiredState, type Plan, serviceOrder } from "../runtime.ts";
import { planDownStops, planWantedScale, unwantedScale } from "../scale-plan.ts";
import type { PodmanObservation } from "./observe.ts";
import { type DesiredSecret, secretReplaceMinimumPodman } from "./secrets.ts";
import type { PodmanSynapse } from "./synapse-image.ts";

/** The systemd services quadlet generates, in start order. */
export const podmanServiceUnits = serviceOrder.map((service) => quadletUnits[service].service);

/** Pure: every unmet prerequisite, each with the command or step that fixes it. */
export function podmanBlockers(observed: PodmanObservation): Blocker[] {
  const blockers: Blocker[] = [];
  const add = (code: string, message: string, fix: string) => blockers.push({ code: `podman.${code}`, message, fix });
  const version = observed.podmanVersion;
  if (version === undefined) {
    add("missing", "podman is not installed.", `Install podman ${minimumPodman} or newer (Debian 13, Ubuntu 24.04 and Fedora ship it), or set [runtime] kind = "native" in mxhome.toml.`);
  } else if (compareVersions(version, minimumPodman) < 0) {
    add(
      "too-old",
      `podman ${version} is older than ${minimumPodman}, the first whose quadlet understands the Secret=, HealthCmd= and UserNS= keys mxhome's units use.`,
      `Upgrade podman to ${minimumPodman} or newer (Debian 12's 4.3 is too old: use Debian 13 or backports), or set [runtime] kind = "native" in mxhome.toml.`,
    );
  } else if (!observed.quadletFound) {
    add("no-quadlet", "podman's quadlet generator was not found (looked in /usr/libexec/podman and /usr/lib/podman).", "Install your distribution's full podman package, which ships quadlet.");
  }
  if (!observed.cgroupsV2) {
    add("cgroups-v1", "This system runs cgroups v1; rootless podman under systemd needs cgroups v2.", "Boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line (the default on current distributions).");
  }
  if (!observed.subordinateIds.uid || !observed.subordinateIds.gid) {
    add("no-subids", "Your user has no subordinate uid/gid range in /etc/subuid and /etc/subgid; rootless containers need one.", "sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER");
  }
  if (!observed.linger) {
    add("no-linger", "Lingering is off for your user, so systemd stops the homeserver when you log out.", "loginctl enable-linger $USER");
  }
  if (!observed.host.systemd.reachable) {
    add("no-user-systemd", "The user systemd manager is not reachable (`systemctl --user` fails).", "Run mxhome from a real login session (ssh or console, not su/sudo), or `export XDG_RUNTIME_DIR=/run/user/$(id -u)`.");
  }
  return blockers;
}

function secretActions(secrets: DesiredSecret[], observed: PodmanObservation): Action[] {
  const canReplace = compareVersions(observed.podmanVersion ?? "0", secretReplaceMinimumPodman) >= 0;
  return secrets.flatMap((secret): Action[] => {
    if (!observed.secrets.includes(secret.name)) return [{ kind: "podman-secret", name: secret.name, mode: "create" }];
    if (observed.secretRecords[secret.name] === secret.fingerprint) return [];
    return [{ kind: "podman-secret", name: secret.name, mode: canReplace ? "replace" : "remove-and-create" }];
  });
}

/**
 * The units start without waiting for network-online.target (see
 * quadletKeyEffectiveSince), so `up` pulls what is missing while a person is
 * there to see it, and a boot never needs the network.
 */
function pullActions(desired: DesiredState, observed: PodmanObservation, synapseImage: string): Action[] {
  if (observed.images === undefined) return [];
  const wanted = { ...images, synapse: synapseImage };
  // The workers run the main process's image; Redis has its own.
  const scale = desired.scale.some((process) => process.name === "redis") ? [images.redis] : [];
  return [...serviceOrder.map((service) => wanted[service]), ...scale].filter((image) => !observed.images!.includes(image)).map((image) => ({ kind: "pull-image", image }));
}

/**
 * The Synapse a podman `up` runs is the deployment's own version (its record,
 * src/runtime/podman/synapse-image.ts), never moved here: a database a newer
 * Synapse has migrated has no way back without a backup, so only `mxhome
 * upgrade` moves it (pre-upgrade archive, new image, and back on failure).
 */
function synapseNotes(synapse: PodmanSynapse): string[] {
  if (compareVersions(synapse.pinned, synapse.version) <= 0) return [];
  return [
    `Synapse ${synapse.version} keeps running: this mxhome pins ${synapse.pinned}, and \`up\` never moves Synapse by itself. \`mxhome upgrade\` does: a pre-upgrade archive first, then the new image, and back to ${synapse.version} if it does not come up.`,
  ];
}

function serviceAction(service: (typeof serviceOrder)[number], desired: DesiredState, observed: PodmanObservation): Action[] {
  const state = observed.host.systemd.units[quadletUnits[service].service];
  if (state?.active === "active") {
    return observed.startedWith[service] === desired.fingerprints[service] ? [] : [{ kind: "restart", service, reason: "its configuration changed" }];
  }
  const firstStart = observed.startedWith[service] === undefined;
  const reason = state?.active === "failed" ? `it had failed (${state.sub})` : firstStart ? "first start" : "not running";
  return [{ kind: "start", service, reason }];
}

/**
 * The services in order, with the [scale] units between them: Redis before
 * the main Synapse (which connects to it at start), the workers after it
 * (they replicate from it), then Caddy, which routes to them.
 */
function serviceActions(desired: DesiredState, observed: PodmanObservation): Action[] {
  const postgres = serviceAction("postgres", desired, observed);
  const scale = planWantedScale(desired, observed.scale, observed.startedWith, postgres.length ? "PostgreSQL restarted under it" : undefined);
  return [...postgres, ...scale.redis, ...serviceAction("synapse", desired, observed), ...scale.workers, ...serviceAction("caddy", desired, observed)];
}

/**
 * [scale] units no longer asked for: stopped (workers first, Redis last),
 * then their files removed, before systemd reloads and the main process
 * restarts without them.
 */
function leftoverActions(desired: DesiredState, observed: PodmanObservation): Action[] {
  const leftovers = unwantedScale(desired, observed.scaleUnitsOnDisk);
  if (!leftovers.length) return [];
  const stops = leftovers
    .filter((name) => observed.scale[name] !== undefined)
    .map((name): Action => ({ kind: "stop-process", process: name, reason: `[scale] workers no longer asks for it${observed.scale[name] ? "" : "; it had failed"}` }));
  return [...stops, { kind: "remove-units", files: leftovers.map((name) => scaleUnit(name).file) }];
}

/** Pure: what `up` does on a podman machine, in order; nothing at all while a prerequisite is missing. */
export function planPodmanUp(desired: DesiredState, observed: PodmanObservation, secrets: DesiredSecret[], synapse: PodmanSynapse): Plan {
  const blockers = podmanBlockers(observed);
  if (blockers.length) return { runtime: "podman", actions: [], blockers, notes: [] };
  const actions: Action[] = planWriteFiles(desired);
  actions.push(...secretActions(secrets, observed));
  actions.push(...pullActions(desired, observed, synapse.image));
  if (!synapse.recorded) actions.push({ kind: "record-synapse", source: { kind: "managed", version: synapse.version } });
  const leftovers = leftoverActions(desired, observed);
  actions.push(...leftovers);
  const units = [...podmanServiceUnits, ...desired.scale.map((process) => scaleUnit(process.name).service), ...desired.timers];
  const reload = planUnitReload(desired, observed.host.systemd, units).actions;
  // A removed unit file is a change systemd must see too.
  if (leftovers.length && !reload.length) reload.push({ kind: "daemon-reload" });
  actions.push(...reload);
  actions.push(...serviceActions(desired, observed));
  const host = mergeParts(planUnitsUp(desired, observed.host.systemd), planFunnelUp(desired, observed.host.tailscale));
  return { runtime: "podman", actions: [...actions, ...host.actions], blockers: [], notes: [...synapseNotes(synapse), ...host.notes] };
}

/** Pure: `down` stops the containers (Caddy first, then the workers, Synapse, Redis, PostgreSQL), pauses the timers and turns off mxhome's Funnel mapping. */
export function planPodmanDown(desired: DesiredState, observed: PodmanObservation): Plan {
  const running = (service: (typeof serviceOrder)[number]) => {
    const active = observed.host.systemd.units[quadletUnits[service].service]?.active;
    return active === "active" || active === "activating";
  };
  const stops = planDownStops(running, observed.scale);
  const host = planHostDown(desired, observed.host);
  // Generated units can't be disabled: their [Install] section is applied by the generator at every boot.
  const notes = stops.length
    ? [...host.notes, "Quadlet units start with your user session: after a reboot the homeserver comes back up. Run `mxhome down` again then if it should stay off."]
    : host.notes;
  return { runtime: "podman", actions: [...stops, ...host.actions], blockers: [], notes };
}
