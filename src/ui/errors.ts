/**
 * Exit codes are part of mxhome's interface; the README documents them.
 * 3 meant "not implemented yet" while commands were being built; every
 * command is built now, and 3 stays reserved so scripts keep their meaning.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** Another mxhome run holds the lock (a timer run and a manual run overlap). */
  locked: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface MxErrorOptions {
  /** Stable machine-readable code, e.g. `config.unknown-key`. */
  code: string;
  /** What to do about it: ideally the exact command that fixes it. */
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

/** The one error type: thrown anywhere, caught once at the top of the CLI. */
export class MxError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, options: MxErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "MxError";
    this.code = options.code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
  }
}

export function usageError(message: string, code: string, hint?: string): MxError {
  return new MxError(message, { code, hint, exitCode: ExitCode.usage });
}
