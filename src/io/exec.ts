/**
 * Runs programs from argv arrays, never shell strings. Secrets go through
 * `stdin` or `env`, never argv (which any local user can read in /proc).
 */
export interface ExecOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  stdin?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const child = Bun.spawn(argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
    timeout: options.timeoutMs,
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** Looks a program up on PATH; undefined when absent. */
export function which(program: string, path = process.env.PATH): string | undefined {
  return Bun.which(program, { PATH: path ?? "" }) ?? undefined;
}
