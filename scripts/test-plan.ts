/**
 * Which `bun test` processes the test runner (scripts/test.ts) starts, and in
 * what order: pure, from the list of test files and the measured durations in
 * scripts/test-durations.json. No I/O here.
 *
 * - the podman box suites (test/podman-box/) are one job, run as root, so they
 *   share one boot of the box;
 * - test/unit/ is one job: a few seconds in all, not worth a process per file;
 * - every other file is a job of its own: each starts its own servers anyway
 *   (one Synapse per suite), so files run side by side without sharing state.
 * Jobs come longest first, so the last ones to start are short: the slots
 * then finish close together.
 */

export interface TestJob {
  /** What the log calls it: a file, a directory, or "typecheck". */
  label: string;
  /** Test files (repo-relative); empty for the typecheck. */
  files: string[];
  /** Measured seconds (scripts/test-durations.json), or a guess for a file not measured yet. */
  weight: number;
  /** The podman box suites need root; everything else runs as the test user. */
  asRoot: boolean;
  /** Runs after the side-by-side jobs, with no other test user's job beside it (see `runAlone`). */
  alone: boolean;
}

/**
 * Files whose assertions are about federation timing between two servers
 * (Synapse's retry backoff, the catch-up's wake-up): beside two other suites
 * on 2 cores, their windows failed (a backoff expiring early, a wake-up not
 * seen within 30 s) although they pass with the machine to themselves.
 */
export const runAlone = new Set(["test/integration/catchup/catch-up.test.ts", "test/integration/workers/workers.test.ts"]);

export const boxDir = "test/podman-box/";
export const unitDir = "test/unit/";
export const typecheckLabel = "typecheck";
/** An integration or e2e file nobody has timed yet: start it early rather than last. */
const unmeasuredWeight = 30;

/** Every job of a whole run, longest first; `durations` maps a label to its measured seconds. */
export function planJobs(files: string[], durations: Record<string, number>, options: { withBox: boolean }): TestJob[] {
  const box = files.filter((file) => file.startsWith(boxDir));
  const unit = files.filter((file) => file.startsWith(unitDir));
  const others = files.filter((file) => !file.startsWith(boxDir) && !file.startsWith(unitDir));
  const weigh = (label: string) => durations[label] ?? unmeasuredWeight;
  const jobs: TestJob[] = [
    { label: typecheckLabel, files: [], weight: weigh(typecheckLabel), asRoot: false, alone: false },
    ...(unit.length ? [{ label: unitDir, files: unit, weight: weigh(unitDir), asRoot: false, alone: false }] : []),
    ...others.map((file) => ({ label: file, files: [file], weight: weigh(file), asRoot: false, alone: runAlone.has(file) })),
  ];
  jobs.sort((a, b) => b.weight - a.weight || a.label.localeCompare(b.label));
  if (options.withBox && box.length) jobs.unshift({ label: boxDir, files: box, weight: weigh(boxDir), asRoot: true, alone: false });
  return jobs;
}

/** Labels in the durations table that no job of a whole run has (a file renamed or removed): the table is stale. */
export function staleDurations(files: string[], durations: Record<string, number>): string[] {
  const labels = new Set(planJobs(files, {}, { withBox: true }).map((job) => job.label));
  return Object.keys(durations).filter((label) => !labels.has(label));
}
