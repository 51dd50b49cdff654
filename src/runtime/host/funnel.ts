import { exec, which } from "../../io/exec.ts";
import type { ServeConfig } from "../../tailscale/serve-config.ts";
import { MxError } from "../../ui/errors.ts";

/**
 * Tailscale Funnel: public 443 → Caddy on loopback. mxhome only ever touches
 * its own mapping (`--https=443`); `funnel reset` would wipe everything the
 * user serves, so it is never run.
 */
export interface TailscaleObservation {
  installed: boolean;
  /** Logged in and connected (BackendState "Running"). */
  running: boolean;
  /** Whether this user may change serve/funnel settings; undefined when it could not be read. */
  operator: boolean | undefined;
  /** Where public 443 is funnelled to now, if anywhere. */
  funnelTarget: string | undefined;
}

/** Pure: the proxy target of a funnelled `<host>:443` root handler. */
export function funnelTargetFromServeConfig(config: ServeConfig): string | undefined {
  for (const [hostPort, web] of Object.entries(config.Web ?? {})) {
    if (!hostPort.endsWith(":443") || !config.AllowFunnel?.[hostPort]) continue;
    const proxy = web.Handlers?.["/"]?.Proxy;
    if (proxy) return proxy;
  }
  return undefined;
}

/** Raw JSON texts from tailscale, as recorded on a machine; absent where the command failed. */
export interface TailscaleRecording {
  installed: boolean;
  status?: string;
  prefs?: string;
  serve?: string;
}

async function stdoutOf(argv: string[]): Promise<string | undefined> {
  const result = await exec(argv, { timeoutMs: 5_000 }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout : undefined;
}

export async function recordTailscale(): Promise<TailscaleRecording> {
  const tailscale = which("tailscale");
  if (!tailscale) return { installed: false };
  const [status, prefs, serve] = await Promise.all([
    stdoutOf([tailscale, "status", "--json"]),
    stdoutOf([tailscale, "debug", "prefs"]),
    stdoutOf([tailscale, "funnel", "status", "--json"]),
  ]);
  return { installed: true, status, prefs, serve };
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text.trim() || "{}") as T;
  } catch {
    return undefined;
  }
}

/** Pure: the observation from a recording, for the user running mxhome. */
export function parseTailscale(recording: TailscaleRecording, user: string): TailscaleObservation {
  const status = parseJson<{ BackendState?: string }>(recording.status);
  const prefs = parseJson<{ OperatorUser?: string }>(recording.prefs);
  const serve = parseJson<ServeConfig>(recording.serve);
  return {
    installed: recording.installed,
    running: status?.BackendState === "Running",
    operator: prefs ? prefs.OperatorUser === user : undefined,
    funnelTarget: serve ? funnelTargetFromServeConfig(serve) : undefined,
  };
}

export const operatorFix = "sudo tailscale set --operator=$USER";

export async function setFunnel(state: "on" | "off", target: string): Promise<void> {
  const argv = state === "on" ? ["tailscale", "funnel", "--bg", "--https=443", target] : ["tailscale", "funnel", "--https=443", "off"];
  const result = await exec(argv, { timeoutMs: 30_000 });
  if (result.exitCode === 0) return;
  const denied = /access denied/i.test(result.stderr);
  throw new MxError(`\`${argv.join(" ")}\` failed: ${result.stderr.trim().split("\n")[0] ?? `exit ${result.exitCode}`}`, {
    code: denied ? "funnel.not-operator" : "funnel.failed",
    hint: denied
      ? `Allow your user to change Tailscale's serve settings once with \`${operatorFix}\`, then run \`mxhome up\`.`
      : "Check that Funnel is enabled for this tailnet (admin console → Access controls → funnel attribute).",
  });
}
