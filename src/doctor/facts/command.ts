import type { ExecResult } from "../../io/exec.ts";
import type { FactScope } from "./index.ts";

/** A recorded command run: undefined when the program is not installed. Judges read these. */
export type CommandOutput = ExecResult | undefined;

/** A gatherer that runs one command (argv fixed, or built from the scope). */
export function commandFact(argv: string[] | ((scope: FactScope) => string[]), timeoutMs = 3_000, env?: Record<string, string>) {
  return (scope: FactScope): Promise<CommandOutput> => {
    const line = typeof argv === "function" ? argv(scope) : argv;
    return scope.io.run(line, { timeoutMs, ...(env ? { env: { ...process.env, ...env } } : {}) });
  };
}

/** First line of a command's complaint, for a verdict's detail. */
export function firstLine(output: CommandOutput): string {
  if (!output) return "not installed";
  return (output.stderr.trim() || output.stdout.trim()).split("\n")[0] || `exit ${output.exitCode}`;
}
