import { dirname } from "node:path";
import type { Paths } from "../../config/paths.ts";
import type { Config } from "../../config/schema.ts";
import { exec, which } from "../../io/exec.ts";
import { compareVersions } from "../../render/podman-keys.ts";
import { MxError } from "../../ui/errors.ts";
import { choosePostgres, clusterMajor, findCaddy, type PostgresChoice, postgresCandidates } from "./binaries.ts";
import { probeReady } from "./synapse-probe.ts";
import { redisInstallFix } from "./redis.ts";
import { observeSynapse, type SynapseProgram } from "./synapse-source.ts";

/**
 * Every program the native runtime runs, found and probed in one pass:
 * `up` refuses to start anything while one is missing, and doctor's
 * `native-programs` check shows the same findings with the same fixes.
 */
export interface NativePrograms {
  synapse: SynapseProgram;
  /** When mxhome's Synapse must be (re)built: the python3 that builds venvs, and whether it can (Debian splits venv/ensurepip into python3-venv). */
  venvBase?: { python3: string | undefined; canCreateVenv: boolean };
  postgres: PostgresChoice & { cluster: string | undefined };
  caddy: { path?: string; version?: string; problem?: string; fix?: string };
  /** redis-server, needed only with [scale] workers. */
  redis: { path?: string };
}

async function observeVenvBase(): Promise<NativePrograms["venvBase"]> {
  const python3 = which("python3");
  if (!python3) return { python3, canCreateVenv: false };
  const probe = await exec([python3, "-c", "import venv, ensurepip"], { timeoutMs: 30_000 }).catch(() => undefined);
  return { python3, canCreateVenv: probe?.exitCode === 0 };
}

async function observeCaddy(config: Config): Promise<NativePrograms["caddy"]> {
  let path: string;
  try {
    path = findCaddy(config);
  } catch (error) {
    if (!(error instanceof MxError)) throw error;
    return { problem: error.message, fix: error.hint };
  }
  // `caddy version` prints "v2.6.2 h1:…" (Debian: "v2.6.2"); the version is only shown, never judged.
  const result = await exec([path, "version"], { timeoutMs: 15_000 }).catch(() => undefined);
  if (result?.exitCode !== 0) return { path, problem: `${path} does not run (\`${path} version\`: ${result?.stderr.trim() || "failed"}).`, fix: "Reinstall Caddy (Debian: `sudo apt install --reinstall caddy`) or set runtime.native.caddy to a working one." };
  return { path, version: /v?(\d+\.\d+\.\d+\S*)/.exec(result.stdout)?.[1] };
}

/** `fresh`: probe Synapse's python even when its venv is unchanged since it last passed (doctor does). */
export async function observePrograms(paths: Paths, config: Config, fresh = false): Promise<NativePrograms> {
  const cluster = clusterMajor(paths.postgresDir);
  const configured = config.runtime.native.postgres_bindir;
  const [synapse, caddy] = await Promise.all([observeSynapse(paths, config, cluster !== undefined, { fresh }), observeCaddy(config)]);
  // Only asked when a venv must be built: a working one needs no python3-venv.
  const venvBase = synapse.origin === "managed" && !probeReady(synapse.probe) ? await observeVenvBase() : undefined;
  const redis = { path: which("redis-server") ?? undefined };
  return { synapse, venvBase, postgres: { ...choosePostgres(configured, postgresCandidates(configured), cluster), cluster }, caddy, redis };
}

export interface ProgramProblem {
  code: string;
  message: string;
  fix: string;
  /** `up` cannot repair it itself (a missing managed Synapse it installs; anything else blocks). */
  blocking: boolean;
}

const originLabel = (synapse: SynapseProgram) =>
  ({ override: `runtime.native.python (${synapse.python})`, path: `the python3 this deployment has used (${synapse.python})`, managed: `mxhome's Synapse venv (${synapse.python})` })[synapse.origin];

/** Pure: what is missing from a python that should run Synapse. */
export function whatIsMissing(synapse: SynapseProgram): string {
  const { probe } = synapse;
  if (!probe.runs) return probe.error ?? "it does not run";
  if (!probe.synapse) return `it cannot \`import synapse\` (${probe.error ?? "not installed"})`;
  return `it has Synapse ${probe.synapse} but not its PostgreSQL driver: \`import psycopg2\` fails`;
}

function synapseProblem(programs: NativePrograms, synapseRunning: boolean): ProgramProblem | undefined {
  const { synapse, venvBase } = programs;
  if (probeReady(synapse.probe)) return undefined;
  const running = synapseRunning ? " Synapse still runs from what was loaded before, but it would not start again." : "";
  if (synapse.origin === "managed") {
    if (!venvBase?.python3) {
      return {
        code: "native.python-missing",
        message: "python3 was not found on PATH; mxhome installs Synapse into a venv made with it.",
        fix: "Install Python 3 with venv (Debian/Ubuntu: `sudo apt install python3 python3-venv`; Arch: `sudo pacman -S python`), then run `mxhome up`.",
        blocking: true,
      };
    }
    if (!venvBase.canCreateVenv) {
      return {
        code: "native.python-venv-missing",
        message: `mxhome's Synapse ${synapse.version} is not installed, and ${venvBase.python3} cannot create a venv: the python3-venv package is missing.${running}`,
        fix: "sudo apt install python3-venv   # Debian/Ubuntu; then `mxhome up` installs Synapse",
        blocking: true,
      };
    }
    const state = synapse.probe.missing ? "is not installed" : `is broken: ${whatIsMissing(synapse)}`;
    return {
      code: "native.synapse-missing",
      message: `mxhome's Synapse ${synapse.version} (${dirname(dirname(synapse.python))}) ${state}.${running}`,
      fix: `mxhome up   # installs Synapse ${synapse.version} from mxhome's lock${synapseRunning ? ", then restarts Synapse" : ""}`,
      blocking: false,
    };
  }
  const fix = !synapse.probe.runs
    ? `Point runtime.native.python in mxhome.toml at a python with Synapse, or empty it so mxhome installs Synapse ${synapse.pinned} itself; then run \`mxhome up\`.`
    : !synapse.probe.synapse
      ? `\`${synapse.python} -m pip install "matrix-synapse==${synapse.pinned}" psycopg2-binary\`, or empty runtime.native.python in mxhome.toml so mxhome installs Synapse itself; then run \`mxhome up\`.`
      : `\`${synapse.python} -m pip install psycopg2-binary\`, then run \`mxhome up\`.`;
  return { code: "native.synapse-missing", message: `${originLabel(synapse)}: ${whatIsMissing(synapse)}.${running}`, fix, blocking: true };
}

/** Pure: every problem with the native runtime's programs, each with its fix. `needsRedis`: [scale] workers are on. */
export function programProblems(programs: NativePrograms, synapseRunning: boolean, needsRedis = false): ProgramProblem[] {
  const problems: ProgramProblem[] = [];
  const synapse = synapseProblem(programs, synapseRunning);
  if (synapse) problems.push(synapse);
  if ("problem" in programs.postgres) problems.push({ code: programs.postgres.code, message: programs.postgres.problem, fix: programs.postgres.fix, blocking: true });
  if (programs.caddy.problem) problems.push({ code: "native.caddy-missing", message: programs.caddy.problem, fix: programs.caddy.fix ?? "Install Caddy.", blocking: true });
  const { synapse: program } = programs;
  if (needsRedis && probeReady(program.probe) && !program.probe.redis && program.origin !== "managed") {
    problems.push({
      code: "native.synapse-redis-missing",
      message: `${originLabel(program)} has Synapse but not its redis extra (txredisapi, hiredis), which workers need.`,
      fix: `\`${program.python} -m pip install "matrix-synapse[redis]==${program.probe.synapse}"\`, then run \`mxhome up\` (or set [scale] workers = "off").`,
      blocking: true,
    });
  }
  if (needsRedis && !programs.redis.path) {
    problems.push({
      code: "native.redis-missing",
      message: "redis-server was not found on PATH: Synapse workers ([scale] workers in mxhome.toml) need Redis to talk to each other.",
      fix: `${redisInstallFix}; then run \`mxhome up\` (or set [scale] workers = "off").`,
      blocking: true,
    });
  }
  return problems;
}

/** Pure: for a deployment kept on a python from PATH, how to move to mxhome's own Synapse (never done silently). */
export function moveToManagedAdvice(synapse: SynapseProgram, recordFile: string): string | undefined {
  if (synapse.origin !== "path" || !synapse.probe.synapse) return undefined;
  if (compareVersions(synapse.probe.synapse, synapse.pinned) > 0) {
    return `Keep it: its database already ran Synapse ${synapse.probe.synapse}, newer than mxhome's pinned ${synapse.pinned}, and Synapse cannot go back. Move once mxhome pins ${synapse.probe.synapse} or newer.`;
  }
  return `To switch to mxhome's own Synapse ${synapse.pinned} (installed and updated by mxhome): \`mxhome backup\`, then remove ${recordFile} and run \`mxhome up\`.`;
}
