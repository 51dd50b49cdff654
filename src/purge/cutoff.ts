import { usageError } from "../ui/errors.ts";

/**
 * Which moment `mxhome purge` deletes up to: everything older than the
 * retention window (or `--older-than`), counted back from now (or
 * `--as-of`). Pure: the clock is passed in.
 */
export interface Cutoff {
  /** The moment the run is evaluated at (now, or --as-of). */
  asOf: Date;
  /** How far back from asOf is kept. */
  windowMs: number;
  /** "14d" from mxhome.toml, or the --older-than text. */
  windowText: string;
  windowSource: "retention" | "--older-than";
  /** History, media and caches last used before this moment go. */
  before: Date;
}

const unitMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d`, `36h`, `90m`, `45s`, `2w`, or several (`1d12h`); undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) total += Number(amount) * unitMs[unit!]!;
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Strict ISO 8601 date-time with an explicit zone (Z or ±hh:mm), or a plain date (read as UTC midnight). */
export function parseIsoTime(text: string): Date | undefined {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
  if (!iso.test(text.trim())) return undefined;
  const time = Date.parse(text.trim());
  return Number.isNaN(time) ? undefined : new Date(time);
}

export interface CutoffInputs {
  now: Date;
  retentionDays: number;
  olderThan?: string;
  asOf?: string;
}

export function resolveCutoff(inputs: CutoffInputs): Cutoff {
  let asOf = inputs.now;
  if (inputs.asOf !== undefined) {
    const parsed = parseIsoTime(inputs.asOf);
    if (!parsed) {
      throw usageError(`--as-of "${inputs.asOf}" is not an ISO time.`, "purge.bad-as-of", "Give a time with its zone, e.g. --as-of 2025-06-01T12:00:00Z");
    }
    // Evaluating in the future would delete history newer than the window; --older-than is the explicit way to do that.
    if (parsed.getTime() > inputs.now.getTime()) {
      throw usageError(
        `--as-of ${parsed.toISOString()} is in the future.`,
        "purge.as-of-future",
        "To delete newer history, say so explicitly: --older-than 7d (or 36h, 90m).",
      );
    }
    asOf = parsed;
  }
  let windowMs = inputs.retentionDays * unitMs.d!;
  let windowText = `${inputs.retentionDays}d`;
  let windowSource: Cutoff["windowSource"] = "retention";
  if (inputs.olderThan !== undefined) {
    const parsed = parseDuration(inputs.olderThan);
    if (parsed === undefined || parsed <= 0) {
      throw usageError(`--older-than "${inputs.olderThan}" is not a duration.`, "purge.bad-older-than", "Use a number and a unit: 7d, 36h, 90m, 45s or 2w.");
    }
    windowMs = parsed;
    windowText = inputs.olderThan.trim();
    windowSource = "--older-than";
  }
  return { asOf, windowMs, windowText, windowSource, before: new Date(asOf.getTime() - windowMs) };
}
