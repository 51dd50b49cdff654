import type { Action, DesiredState } from "../runtime.ts";
import { operatorFix, type TailscaleObservation } from "./funnel.ts";
import type { SystemdUserObservation } from "./systemd-user.ts";

/**
 * Pure planning for what both runtimes share on the host: systemd user
 * units (reload, timers) and the Funnel mapping. Observations in, actions
 * and notes out.
 */
export interface HostObservation {
  systemd: SystemdUserObservation;
  tailscale: TailscaleObservation;
}

export interface PlanPart {
  actions: Action[];
  notes: string[];
}

export const emptyPart = (): PlanPart => ({ actions: [], notes: [] });

export function mergeParts(...parts: PlanPart[]): PlanPart {
  return { actions: parts.flatMap((part) => part.actions), notes: parts.flatMap((part) => part.notes) };
}

/** The rendered files that differ from disk, written first: everything after reads them. */
export function planWriteFiles(desired: DesiredState): Action[] {
  if (!desired.writes.length) return [];
  return [{ kind: "write-files", files: desired.writes.map((write) => ({ path: write.file.path, action: write.action })) }];
}

/** systemd must re-read (and quadlet re-generate) units whose files changed or that it never loaded. */
export function planUnitReload(desired: DesiredState, systemd: SystemdUserObservation, expectedUnits: string[]): PlanPart {
  if (!systemd.reachable) return emptyPart();
  const unloaded = expectedUnits.some((unit) => (systemd.units[unit]?.load ?? "not-found") === "not-found");
  return desired.unitFilesChanged || unloaded ? { actions: [{ kind: "daemon-reload" }], notes: [] } : emptyPart();
}

const isOn = (systemd: SystemdUserObservation, unit: string) =>
  systemd.units[unit]?.unitFileState === "enabled" && systemd.units[unit]?.active === "active";

/** Timers on (again, after `down`); natively also the unit that runs `mxhome up` at login. */
export function planUnitsUp(desired: DesiredState, systemd: SystemdUserObservation, loginUnit?: string): PlanPart {
  if (!systemd.reachable) {
    return {
      actions: [],
      notes: [
        "The user systemd manager is not reachable (no login session?), so the purge and kick timers are not enabled. Log in normally (or `loginctl enable-linger $USER`) and run `mxhome up` again.",
      ],
    };
  }
  const actions: Action[] = [];
  const timersOff = desired.timers.filter((timer) => !isOn(systemd, timer));
  if (timersOff.length) actions.push({ kind: "enable-units", units: timersOff, start: true });
  if (loginUnit && systemd.units[loginUnit]?.unitFileState !== "enabled") actions.push({ kind: "enable-units", units: [loginUnit], start: false });
  return { actions, notes: [] };
}

export function planFunnelUp(desired: DesiredState, tailscale: TailscaleObservation): PlanPart {
  const note = (text: string): PlanPart => ({ actions: [], notes: [text] });
  if (!tailscale.installed) return note("Tailscale is not installed, so Funnel is not set up: the server is reachable only from this machine.");
  if (tailscale.funnelTarget === desired.funnelTarget) return emptyPart();
  if (!tailscale.running) return note("Tailscale is not connected, so Funnel is not set up. Run `tailscale up`, then `mxhome up`.");
  if (tailscale.funnelTarget) {
    return note(
      `Funnel already forwards 443 to ${tailscale.funnelTarget}, which is not mxhome's; it is left alone. To give 443 to mxhome: \`tailscale funnel --https=443 off\`, then \`mxhome up\`.`,
    );
  }
  if (tailscale.operator === false) return note(`Funnel is not set up: your user may not change Tailscale's settings. Run \`${operatorFix}\` once, then \`mxhome up\`.`);
  return { actions: [{ kind: "funnel-on", target: desired.funnelTarget }], notes: [] };
}

/** `down` pauses the timers (and natively the login unit) and turns off only mxhome's own Funnel mapping. */
export function planHostDown(desired: DesiredState, host: HostObservation, loginUnit?: string): PlanPart {
  const actions: Action[] = [];
  const notes: string[] = [];
  if (host.systemd.reachable) {
    const running = desired.timers.filter((timer) => {
      const state = host.systemd.units[timer];
      return state?.unitFileState === "enabled" || state?.active === "active";
    });
    if (running.length) actions.push({ kind: "disable-units", units: running, stop: true });
    if (loginUnit && host.systemd.units[loginUnit]?.unitFileState === "enabled") actions.push({ kind: "disable-units", units: [loginUnit], stop: false });
  }
  if (host.tailscale.funnelTarget === desired.funnelTarget) {
    if (host.tailscale.operator === false) notes.push(`mxhome's Funnel mapping stays on: run \`${operatorFix}\` once, then \`mxhome down\` again.`);
    else actions.push({ kind: "funnel-off", target: desired.funnelTarget });
  }
  return { actions, notes };
}
