import { isAbsolute, join } from "node:path";
import backupServiceTemplate from "../../templates/mxhome-backup.service" with { type: "text" };
import jobTimerTemplate from "../../templates/mxhome-job.timer" with { type: "text" };
import kickServiceTemplate from "../../templates/mxhome-kick.service" with { type: "text" };
import purgeServiceTemplate from "../../templates/mxhome-purge.service" with { type: "text" };
import catchUpServiceTemplate from "../../templates/mxhome-catch-up.service" with { type: "text" };
import catchUpTimerTemplate from "../../templates/mxhome-catch-up.timer" with { type: "text" };
import upServiceTemplate from "../../templates/mxhome-up.service" with { type: "text" };
import { MxError } from "../ui/errors.ts";
import { catchUpServiceName, quadletUnits } from "./quadlet.ts";
import { fillTemplate } from "./template.ts";
import type { RenderedFile, RenderInputs } from "./types.ts";

/** When each timer fires (systemd.time(7) calendar expressions); tests run them through `systemd-analyze calendar`. */
export const timerCalendars = {
  purge: "monthly",
  kick: "daily",
  backup: "weekly",
} as const;

export type TimerJob = keyof typeof timerCalendars;

/** The always-rendered unit that runs `mxhome up` at login/boot; `up` decides whether to enable it. */
export const upServiceName = "mxhome-up.service";

/**
 * One word of an ExecStart= line, quoted for systemd.service(5) "Command
 * lines": `%` is a specifier and `$` a variable there, so both are doubled;
 * a word with spaces or quotes is wrapped in double quotes with C escapes.
 */
export function quoteExecArgument(word: string): string {
  if (word === "" || /[\x00-\x1f\x7f]/.test(word)) {
    throw new MxError(`Cannot put ${JSON.stringify(word)} on a systemd command line.`, { code: "render.unsafe-path" });
  }
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@%$+=:,./-]+$/.test(word)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function mxhomeCommand(inputs: RenderInputs): string {
  if (!isAbsolute(inputs.mxhomeBinary)) {
    throw new MxError(`The timers need mxhome's absolute path, not ${JSON.stringify(inputs.mxhomeBinary)}.`, {
      code: "render.binary-path",
    });
  }
  return quoteExecArgument(inputs.mxhomeBinary);
}

function renderJobTimer(job: TimerJob): string {
  return fillTemplate(jobTimerTemplate, { job, calendar: timerCalendars[job] });
}

/** The .service of each timer job that the config enables. */
function renderJobServices(inputs: RenderInputs): [TimerJob, string][] {
  const mxhome = mxhomeCommand(inputs);
  const { apply } = inputs.config.kick;
  const services: [TimerJob, string][] = [
    ["purge", fillTemplate(purgeServiceTemplate, { mxhome })],
    [
      "kick",
      fillTemplate(kickServiceTemplate, {
        mxhome,
        kick_apply: String(apply),
        kick_mode: apply ? "remove inactive members" : "preview only, nothing is removed",
        kick_arguments: apply ? "kick --apply --yes" : "kick",
      }),
    ],
  ];
  if (inputs.config.backup.enabled) services.push(["backup", fillTemplate(backupServiceTemplate, { mxhome })]);
  return services;
}

/**
 * User units under ~/.config/systemd/user: a oneshot service and its timer
 * per scheduled job (purge monthly, kick daily, backup weekly when enabled),
 * and mxhome-up.service. None of them restarts a service when it changes.
 */
export function renderTimers(inputs: RenderInputs): RenderedFile[] {
  const dir = inputs.paths.systemdUserDir;
  const file = (name: string, content: string): RenderedFile => ({ path: join(dir, name), content, mode: 0o644, affects: [] });
  return [
    ...renderJobServices(inputs).flatMap(([job, service]) => [
      file(`mxhome-${job}.service`, service),
      file(`mxhome-${job}.timer`, renderJobTimer(job)),
    ]),
    file(upServiceName, fillTemplate(upServiceTemplate, { mxhome: mxhomeCommand(inputs) })),
    ...(inputs.config.runtime.kind === "podman" ? renderCatchUpUnits(inputs).map(([name, content]) => file(name, content)) : []),
  ];
}

/**
 * Under podman, Quadlet and linger start Synapse at boot without `mxhome
 * up`, and a desktop resumes from suspend with Synapse still running: these
 * units run `mxhome catch-up` in both cases. (Natively, `up` runs it.)
 */
function renderCatchUpUnits(inputs: RenderInputs): [string, string][] {
  return [
    [catchUpServiceName, fillTemplate(catchUpServiceTemplate, { mxhome: mxhomeCommand(inputs), synapse_service: quadletUnits.synapse.service })],
    ["mxhome-catch-up.timer", catchUpTimerTemplate],
  ];
}
