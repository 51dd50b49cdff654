import { type NativePrograms, moveToManagedAdvice, observePrograms, programProblems } from "../../../runtime/native/programs.ts";
import { isRunning } from "../../../runtime/native/services.ts";
import { synapseRecordFile } from "../../../runtime/native/synapse-source.ts";
import type { FactScope } from "../../facts/index.ts";
import { defineCheck, fail, info, ok, type Verdict } from "../../types.ts";

export interface NativeProgramsFact {
  programs: NativePrograms;
  /** [scale] workers are on: redis-server is needed too. */
  needsRedis: boolean;
  /** A program can vanish under a running daemon (a deleted venv); the daemon hides it until its next start. */
  synapseRunning: boolean;
  recordFile: string;
}

export async function gatherNativePrograms({ paths, config }: FactScope): Promise<NativeProgramsFact> {
  return {
    programs: await observePrograms(paths, config, true),
    needsRedis: config.scale.workers !== "off",
    synapseRunning: isRunning(paths, "synapse"),
    recordFile: synapseRecordFile(paths),
  };
}

const originWords = { managed: "mxhome's venv", override: "runtime.native.python", path: "python3 from PATH, kept" } as const;

/** Pure: one line per program, what was found (Redis only when workers need it). */
function describePrograms({ synapse, postgres, caddy, redis }: NativePrograms, needsRedis: boolean): string[] {
  const { probe } = synapse;
  const synapseLine = probe.synapse
    ? `Synapse ${probe.synapse}${probe.driver ? ` with psycopg2 ${probe.driver}` : ", no psycopg2"} (${originWords[synapse.origin]}: ${synapse.python})`
    : `Synapse: none in ${synapse.python} (${originWords[synapse.origin]})`;
  const cluster = postgres.cluster ? `, cluster ${postgres.cluster}` : ", no cluster yet";
  const postgresLine = "bindir" in postgres ? `PostgreSQL ${postgres.major ?? "?"} in ${postgres.bindir}${cluster}` : `PostgreSQL: no usable programs${cluster}`;
  const caddyLine = caddy.path ? `Caddy ${caddy.version ?? "?"} (${caddy.path})` : "Caddy: not found";
  const redisLine = needsRedis ? [redis.path ? `Redis (${redis.path})` : "Redis: not found"] : [];
  return [synapseLine, postgresLine, caddyLine, ...redisLine];
}

export function judgeNativePrograms(fact: NativeProgramsFact): Verdict {
  const details = describePrograms(fact.programs, fact.needsRedis);
  const problems = programProblems(fact.programs, fact.synapseRunning, fact.needsRedis);
  if (problems.length) return fail(problems.map((problem) => problem.message).join(" "), problems.map((problem) => problem.fix).join("  |  "), details);
  const advice = moveToManagedAdvice(fact.programs.synapse, fact.recordFile);
  if (advice) return info(`Synapse runs from ${fact.programs.synapse.python} on PATH, not mxhome's own venv (pinned ${fact.programs.synapse.pinned}).`, advice, details);
  return ok(details.map((line) => line.replace(/ \(.*\)$/, "")).join("; "), details);
}

export const nativeProgramsCheck = defineCheck({
  id: "native-programs",
  category: "host",
  title: "Synapse (with its PostgreSQL driver), PostgreSQL and Caddy installed (and Redis, with workers)",
  runtimes: ["native"],
  // Importing Synapse in a cold Python takes a few seconds on a slow disk.
  timeoutMs: 30_000,
  gather: gatherNativePrograms,
  judge: judgeNativePrograms,
});
