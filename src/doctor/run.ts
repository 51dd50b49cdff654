import { usageError } from "../ui/errors.ts";
import {
  type Category,
  categories,
  type Check,
  type CheckResult,
  type ConfiguredContext,
  type DoctorContext,
  type DoctorReport,
  fail,
  skip,
  type Summary,
  type Verdict,
} from "./types.ts";

/**
 * Runs a registry of checks: all in parallel, each under its own timeout,
 * a check waiting only for the checks it names in `after`. An exception or
 * a timeout becomes a `fail`; results keep the registry's order.
 */
export interface RunOptions {
  /** A check id or a category: only those run (plus, silently, what they need). */
  only?: string;
  /** Overrides every check's timeout (tests). */
  timeoutMs?: number;
}

const defaultTimeoutMs = 5_000;
const publicTimeoutMs = 10_000;

/** Pure: the checks `--only` selects, in registry order; a usage error when nothing matches. */
export function selectChecks(checks: readonly Check[], only: string | undefined): Check[] {
  if (!only) return [...checks];
  const selected = checks.filter((check) => check.id === only || check.category === only);
  if (selected.length === 0) {
    throw usageError(
      `--only ${only} matches no check.`,
      "doctor.unknown-check",
      `Use a category (${categories.join(", ")}) or a check id: ${checks.map((check) => check.id).join(", ")}.`,
    );
  }
  return selected;
}

/** Pure: the selected checks and everything they wait for, transitively. */
export function withPrerequisites(checks: readonly Check[], selected: readonly Check[]): Check[] {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    const check = byId.get(id);
    if (!check) throw new Error(`doctor check ${id} is not registered`);
    needed.add(id);
    for (const prerequisite of check.after ?? []) visit(prerequisite);
  };
  for (const check of selected) visit(check.id);
  return checks.filter((check) => needed.has(check.id));
}

/** Pure: why a check does not apply here, if it doesn't. */
export function gate(check: Check, context: DoctorContext, prerequisites: CheckResult[]): Verdict | undefined {
  if (check.needsConfig !== false && !context.config) return skip("needs a valid mxhome.toml (see config-valid)");
  const runtime = context.config?.runtime.kind;
  if (check.runtimes && runtime && !check.runtimes.includes(runtime)) {
    return skip(`does not apply to the ${runtime} runtime`);
  }
  if (check.public && context.offline) return skip("public check; --offline");
  const blocked = prerequisites.find((result) => result.status === "fail" || result.status === "skip");
  if (blocked) return skip(`needs ${blocked.id}, which ${blocked.status === "fail" ? "failed" : "was skipped"}`);
  return undefined;
}

async function withTimeout(work: () => Verdict | Promise<Verdict>, timeoutMs: number): Promise<Verdict> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Verdict>((resolve) => {
    timer = setTimeout(
      () => resolve(fail(`did not finish within ${timeoutMs / 1000} s`, "Run `mxhome doctor --verbose` again; if it stays slow, the service it probes is hanging: `mxhome logs`.")),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(work), timeout]);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    return fail(`the check itself failed: ${message.split("\n")[0]}`, "Run `mxhome doctor --verbose` for details; if this persists, it is a bug in mxhome: please report it.", [
      String((error as Error)?.stack ?? message),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function summarize(results: readonly CheckResult[]): Summary {
  const summary: Summary = { ok: 0, info: 0, warn: 0, fail: 0, skip: 0 };
  for (const result of results) summary[result.status]++;
  return summary;
}

export async function runChecks(checks: readonly Check[], context: DoctorContext, options: RunOptions = {}): Promise<DoctorReport> {
  const selected = selectChecks(checks, options.only);
  const toRun = withPrerequisites(checks, selected);
  const results = new Map<string, Promise<CheckResult>>();
  const resultOf = (id: string): Promise<CheckResult> => {
    let result = results.get(id);
    if (!result) {
      const check = toRun.find((candidate) => candidate.id === id)!;
      result = (async () => {
        const prerequisites = await Promise.all((check.after ?? []).map(resultOf));
        const started = performance.now();
        const timeoutMs = options.timeoutMs ?? check.timeoutMs ?? (check.public ? publicTimeoutMs : defaultTimeoutMs);
        const verdict = gate(check, context, prerequisites) ?? (await withTimeout(() => check.run(context as ConfiguredContext), timeoutMs));
        return { id: check.id, category: check.category, title: check.title, ...verdict, durationMs: Math.round(performance.now() - started) };
      })();
      results.set(id, result);
    }
    return result;
  };
  const all = await Promise.all(toRun.map((check) => resultOf(check.id)));
  const shown = all.filter((result) => selected.some((check) => check.id === result.id));
  const order = (category: Category) => categories.indexOf(category);
  shown.sort((a, b) => order(a.category) - order(b.category));
  return { checks: shown, summary: summarize(shown) };
}
