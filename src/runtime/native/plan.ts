import type { ServiceName } from "../../render/types.ts";
import { mergeParts, planFunnelUp, planHostDown, planUnitReload, planUnitsUp, planWriteFiles } from "../host/plan.ts";
import { type Action, type Blocker, type DesiredState, type Plan, serviceOrder } from "../runtime.ts";
import { planDownStops, planWantedScale, unwantedScale } from "../scale-plan.ts";
import type { NativeObservation } from "./observe.ts";
import { programProblems } from "./programs.ts";
import { probeReady } from "./synapse-probe.ts";

/** The user unit that runs `mxhome up` at login, so native daemons come back after a reboot. */
export const loginUnit = "mxhome-up.service";

const portSetting: Record<ServiceName, string> = {
  postgres: "network.postgres_port",
  synapse: "network.synapse_port",
  caddy: "network.caddy_port",
};

function portBlockers(observed: NativeObservation): Blocker[] {
  return Object.entries(observed.portTaken).map(([service, port]) => ({
    code: "native.port-taken",
    message: `${service} cannot start: port ${port} on 127.0.0.1 is already used by another program.`,
    fix: `Set ${portSetting[service as ServiceName]} in mxhome.toml to a free port (or stop the program: \`ss -ltnp 'sport = :${port}'\` shows it), then run \`mxhome up\`.`,
  }));
}

/** Every program must be there before anything starts: a missing Synapse must not leave PostgreSQL running. */
function programBlockers(desired: DesiredState, observed: NativeObservation): Blocker[] {
  return programProblems(observed.programs, observed.running.synapse, desired.scale.length > 0)
    .filter((problem) => problem.blocking)
    .map(({ code, message, fix }) => ({ code, message, fix }));
}

/** Installs mxhome's Synapse when it is missing or broken, or records which Synapse this deployment runs. */
function planSynapseProgram(desired: DesiredState, observed: NativeObservation): Action[] {
  const { synapse } = observed.programs;
  if (synapse.origin === "managed" && !probeReady(synapse.probe)) {
    const reason = synapse.probe.missing ? (observed.running.synapse ? "its venv was deleted under the running Synapse" : "not installed yet") : "its venv is broken";
    return [{ kind: "install-synapse", version: synapse.version!, reason }];
  }
  // A venv from before mxhome's lock held the redis extra: rebuilt from the lock, which has it.
  if (synapse.origin === "managed" && desired.scale.length && !synapse.probe.redis) {
    return [{ kind: "install-synapse", version: synapse.version!, reason: "its venv lacks the redis extra (txredisapi) that workers need" }];
  }
  if (!synapse.unrecorded) return [];
  if (synapse.origin === "path") return [{ kind: "record-synapse", source: { kind: "path", python: synapse.python } }];
  return synapse.origin === "managed" ? [{ kind: "record-synapse", source: { kind: "managed", version: synapse.version! } }] : [];
}

/**
 * Pure: the [scale] processes' share of `up`. Redis starts before the main
 * Synapse (which connects to it at start), workers after it (they replicate
 * from it). Processes no longer wanted stop: workers before the main process
 * restarts without them, Redis after. A worker restarts whenever its inputs
 * (which include the main process's) changed, or its database or program did.
 */
interface ScalePart {
  beforeSynapse: Action[];
  afterSynapse: Action[];
  afterSynapseRestart: Action[];
}

function planScale(desired: DesiredState, observed: NativeObservation, restartAll: string | undefined): ScalePart {
  const part: ScalePart = { beforeSynapse: [], afterSynapse: [], afterSynapseRestart: [] };
  for (const name of unwantedScale(desired, Object.keys(observed.scale))) {
    // A dead one too: stopping clears its pid file, so it is not reported as died on every run.
    const stop: Action = { kind: "stop-process", process: name, reason: `[scale] workers no longer asks for it${observed.scale[name] ? "" : "; it had already exited"}` };
    (name === "redis" ? part.afterSynapseRestart : part.beforeSynapse).push(stop);
  }
  const wanted = planWantedScale(desired, observed.scale, observed.startedWith, restartAll);
  part.beforeSynapse.push(...wanted.redis);
  part.afterSynapse.push(...wanted.workers);
  return part;
}

/** Pure: what `up` does on a native machine, in order. */
export function planNativeUp(desired: DesiredState, observed: NativeObservation): Plan {
  const actions: Action[] = planWriteFiles(desired);
  const synapseProgram = planSynapseProgram(desired, observed);
  // Before PostgreSQL: the install is the slowest step and the likeliest to fail (network).
  actions.push(...synapseProgram);
  const reinstalled = synapseProgram.some((action) => action.kind === "install-synapse");
  const reload = planUnitReload(desired, observed.host.systemd, [...desired.timers, loginUnit]);
  actions.push(...reload.actions);
  if (!observed.clusterExists) actions.push({ kind: "init-database-cluster" });
  let postgresRestarted = false;
  const postgresWillRestart = !observed.running.postgres || observed.startedWith.postgres !== desired.fingerprints.postgres;
  const scale = planScale(desired, observed, reinstalled ? "its program was reinstalled" : postgresWillRestart ? "PostgreSQL restarted under it" : undefined);
  for (const service of serviceOrder) {
    if (service === "synapse") actions.push(...scale.beforeSynapse);
    if (service === "caddy") actions.push(...scale.afterSynapse, ...scale.afterSynapseRestart);
    if (!observed.running[service]) {
      actions.push({ kind: "start", service, reason: observed.died[service] ? "it had stopped unexpectedly" : "not running" });
    } else if (observed.startedWith[service] !== desired.fingerprints[service]) {
      actions.push({ kind: "restart", service, reason: "its configuration changed" });
    } else if (service === "synapse" && reinstalled) {
      actions.push({ kind: "restart", service, reason: "its program was reinstalled" });
    } else if (service === "synapse" && postgresRestarted) {
      // Synapse's pooled connections died with the old PostgreSQL; each would fail one request first.
      actions.push({ kind: "restart", service, reason: "PostgreSQL restarted under it" });
    } else continue;
    if (service !== "postgres") continue;
    postgresRestarted = true;
    // Every (re)start of PostgreSQL re-checks Synapse's database: cheap, and it heals a run interrupted after initdb.
    actions.push({ kind: "create-database" });
  }
  const host = mergeParts(planUnitsUp(desired, observed.host.systemd, loginUnit), planFunnelUp(desired, observed.host.tailscale));
  return { runtime: "native", actions: [...actions, ...host.actions], blockers: [...programBlockers(desired, observed), ...portBlockers(observed)], notes: host.notes };
}

/** Pure: what `down` does: stop what runs (Caddy first, then the workers, Synapse, Redis, PostgreSQL last), pause timers, Funnel off. */
export function planNativeDown(desired: DesiredState, observed: NativeObservation): Plan {
  const stops = planDownStops((service) => observed.running[service], observed.scale);
  const host = planHostDown(desired, observed.host, loginUnit);
  return { runtime: "native", actions: [...stops, ...host.actions], blockers: [], notes: host.notes };
}
