import { usageError } from "../ui/errors.ts";
import type { KickOptions } from "./run.ts";

/** `mxhome kick` flags → options; every mistake is a usage error (exit 2). Pure: `now` is an argument. */
export interface KickFlags {
  observe?: boolean;
  apply?: boolean;
  setup?: boolean;
  "as-of"?: string;
  max?: string;
  "revoke-invites"?: boolean;
  "dry-run"?: boolean;
}

/** --as-of may lie a little in the past (clocks, typing), not more. */
const pastTolerance = 5 * 60_000;

export function parseKickOptions(flags: KickFlags, now: number): KickOptions {
  const modes = (["observe", "apply", "setup"] as const).filter((mode) => flags[mode]);
  if (modes.length > 1) throw usageError(`--${modes[0]} and --${modes[1]} can't be combined.`, "usage.kick-modes", "Run them one after the other.");
  const dryRun = Boolean(flags["dry-run"]);
  if (dryRun && modes[0] === "observe") throw usageError("--observe only records evidence; there is nothing to dry-run.", "usage.kick-flags");
  // --apply --dry-run is a preview: the preview is exactly what --apply would do.
  const mode = modes[0] === "apply" && dryRun ? "preview" : (modes[0] ?? "preview");
  let asOf: number | undefined;
  if (flags["as-of"] !== undefined) {
    asOf = Date.parse(flags["as-of"]);
    if (Number.isNaN(asOf)) throw usageError(`--as-of ${flags["as-of"]} is not a date.`, "usage.kick-as-of", "Use an ISO date, e.g. --as-of 2030-01-31 or --as-of 2030-01-31T12:00:00Z");
    if (asOf < now - pastTolerance) throw usageError("--as-of must not be in the past.", "usage.kick-as-of", "It previews a future date: how things will stand then if nobody does anything.");
  }
  let max: number | undefined;
  if (flags.max !== undefined) {
    max = Number(flags.max);
    if (!Number.isInteger(max) || max < 0) throw usageError(`--max ${flags.max} is not a whole number.`, "usage.kick-max", "e.g. --max 5");
  }
  if ((mode === "observe" || mode === "setup") && (asOf !== undefined || max !== undefined || flags["revoke-invites"])) {
    throw usageError(`--as-of, --max and --revoke-invites decide who is removed; --${mode} decides nothing.`, "usage.kick-flags");
  }
  return { mode, ...(asOf === undefined ? {} : { asOf }), ...(max === undefined ? {} : { max }), revokeInvites: Boolean(flags["revoke-invites"]), dryRun };
}

/** The command that confirms an `--apply` off a terminal: the flags that decide who goes, kept (so it decides the same), plus --yes. */
export function confirmedApplyCommand(flags: KickFlags): string {
  const asOf = flags["as-of"] === undefined ? "" : ` --as-of ${flags["as-of"]}`;
  const revoke = flags["revoke-invites"] ? " --revoke-invites" : "";
  const max = flags.max === undefined ? "" : ` --max ${flags.max}`;
  return `mxhome kick --apply${asOf}${revoke}${max} --yes`;
}
