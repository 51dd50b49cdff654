import { compareVersions } from "../render/podman-keys.ts";
import type { Blocker } from "../runtime/runtime.ts";

/**
 * Pure: which versions a deployment runs against the ones this mxhome pins,
 * and what moving to the pins would take. Both runtimes feed it what they
 * observed (natively the venv and the cluster's PG_VERSION; with podman the
 * image tags on disk), so the judgement is the same for both.
 */
export type Component = "synapse" | "postgres" | "caddy";

/** One component, as observed and as pinned. Versions are plain ("1.163.2", "17"); undefined when not known. */
export interface ComponentVersions {
  component: Component;
  /** What the server answers now (Synapse's server_version, PostgreSQL's server_version); undefined when it is not running. */
  running?: string;
  /** What the deployment is set to run: the active venv's version, the cluster's major, an image tag's version. */
  deployed?: string;
  /** Where `deployed` comes from, for the report: a venv path, an image, a data directory. */
  source: string;
  /** What this mxhome would move it to; undefined when mxhome does not manage the version (a python of your own, a distribution's Caddy). */
  pinned?: string;
}

/**
 * - current: nothing to do;
 * - forward: a newer pin (a Synapse release, a PostgreSQL minor, Caddy);
 * - major: a PostgreSQL major version: dump, new cluster, load;
 * - downgrade: the pin is older than what is deployed: never done;
 * - unmanaged: mxhome does not manage this version (reported only);
 * - unknown: what is deployed could not be observed.
 */
export type StepKind = "current" | "forward" | "major" | "downgrade" | "unmanaged" | "unknown";

export interface UpgradeStep {
  component: Component;
  kind: StepKind;
  from?: string;
  to?: string;
}

/** "17.6-alpine" → "17"; "15" → "15"; 9.x majors have two parts. */
export function postgresMajor(version: string): string | undefined {
  const match = /^(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) return undefined;
  return Number(match[1]) < 10 && match[2] ? `${match[1]}.${match[2]}` : match[1];
}

/** The tag of a fully qualified image ("docker.io/library/postgres:17.6-alpine" → "17.6-alpine"). */
export function imageTag(image: string): string | undefined {
  const name = image.split("@")[0]!;
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
}

/** A tag's version: "v1.163.2" → "1.163.2", "2.10.2-alpine" → "2.10.2". */
export const tagVersion = (tag: string): string | undefined => /^v?(\d+(?:\.\d+)*)/.exec(tag)?.[1];

/** An image's version: "ghcr.io/element-hq/synapse:v1.163.2" → "1.163.2"; undefined without a versioned tag. */
export function imageVersion(image: string | undefined): string | undefined {
  const tag = image && imageTag(image);
  return tag ? tagVersion(tag) : undefined;
}

/** The Image= of a rendered quadlet .container file. */
export const quadletImage = (unitText: string): string | undefined => /^Image=(\S+)/m.exec(unitText)?.[1];

export function judgeStep(versions: ComponentVersions): UpgradeStep {
  const { component, deployed, pinned } = versions;
  if (pinned === undefined) return { component, kind: "unmanaged", from: deployed ?? versions.running };
  if (deployed === undefined) return { component, kind: "unknown", to: pinned };
  const step = { component, from: deployed, to: pinned };
  if (component === "postgres") {
    const [from, to] = [postgresMajor(deployed), postgresMajor(pinned)];
    if (from !== undefined && to !== undefined && from !== to) return { ...step, kind: compareVersions(to, from) > 0 ? "major" : "downgrade" };
    // A native cluster knows only its major (PG_VERSION): the minor is the distribution's business.
    if (deployed === from || pinned === to) return { ...step, kind: "current" };
  }
  const order = compareVersions(pinned, deployed);
  return { ...step, kind: order === 0 ? "current" : order > 0 ? "forward" : "downgrade" };
}

export interface UpgradePlan {
  steps: UpgradeStep[];
  /** Some step changes a version. */
  changes: boolean;
  /** Some step is a PostgreSQL major: it needs --yes or a confirmation. */
  postgresMajor: boolean;
}

export function planUpgrade(components: ComponentVersions[]): UpgradePlan {
  const steps = components.map(judgeStep);
  return {
    steps,
    changes: steps.some((step) => step.kind === "forward" || step.kind === "major"),
    postgresMajor: steps.some((step) => step.component === "postgres" && step.kind === "major"),
  };
}

const names: Record<Component, string> = { synapse: "Synapse", postgres: "PostgreSQL", caddy: "Caddy" };

/**
 * What `up` must not do by itself: start a newer PostgreSQL major on the old
 * data directory ("database files are incompatible"), or run an older Synapse
 * on a database a newer one has already migrated. Both are `mxhome upgrade`'s.
 */
export function upgradeOnlyBlockers(steps: UpgradeStep[]): Blocker[] {
  return steps.flatMap((step): Blocker[] => {
    const name = names[step.component];
    if (step.component === "postgres" && step.kind === "major") {
      return [
        {
          code: "upgrade.postgres-major",
          message: `PostgreSQL's data was written by major ${postgresMajor(step.from!)}; this mxhome pins ${postgresMajor(step.to!)} (${step.to}), which cannot open it.`,
          fix: "Run `mxhome upgrade` (it backs up, dumps, creates the new cluster and loads it, keeping the old data directory); `mxhome upgrade --check` shows the plan.",
        },
      ];
    }
    if ((step.component === "synapse" || step.component === "postgres") && step.kind === "downgrade") {
      return [
        {
          code: `upgrade.${step.component}-downgrade`,
          message: `${name} ${step.from} is deployed, but this mxhome pins the older ${step.to}: an older ${name} cannot be trusted with data a newer one has migrated.`,
          fix: "Use the mxhome that deployed it (or a newer one): `mxhome upgrade --self`, then `mxhome upgrade --check` to see what it pins.",
        },
      ];
    }
    return [];
  });
}

/** `upgrade --check`'s account of the deployment. */
export interface DeploymentCheck extends UpgradePlan {
  runtime: string;
  components: ComponentVersions[];
}

const stepWords: Record<StepKind, (step: UpgradeStep) => string> = {
  current: () => "up to date",
  forward: (step) => `would move ${step.from} → ${step.to}`,
  major: (step) => `a major upgrade ${step.from} → ${step.to}: dump, new cluster, load (needs --yes or a confirmation)`,
  downgrade: (step) => `${step.from} is newer than this mxhome's ${step.to}: left alone (use a newer mxhome)`,
  unmanaged: () => "not mxhome's to upgrade",
  unknown: (step) => `not deployed yet (\`mxhome up\` installs ${step.to})`,
};

/** Pure: one line per component, and what `mxhome upgrade` would do. */
export function formatDeploymentCheck(check: DeploymentCheck): string {
  const lines = check.components.map((component, index) => {
    const step = check.steps[index]!;
    const runs = component.running ? `runs ${component.running}` : "not answering";
    const pins = component.pinned ? `; this mxhome: ${component.pinned}` : "";
    return `${names[component.component]}: ${runs}; deployed: ${component.deployed ?? "-"} (${component.source})${pins} — ${stepWords[step.kind](step)}`;
  });
  lines.push(
    check.changes
      ? "`mxhome upgrade --dry-run` shows the steps; `mxhome upgrade` takes them, with a backup first."
      : "Nothing to upgrade: the deployment runs what this mxhome pins.",
  );
  return lines.join("\n");
}

/** Pure: the components that run something older than this mxhome pins, for status and doctor. */
export function behindPins(check: UpgradePlan): UpgradeStep[] {
  return check.steps.filter((step) => step.kind === "forward" || step.kind === "major");
}

/** Pure: "Synapse 1.161.0 → 1.163.2, PostgreSQL 15 → 17 (major)". */
export const formatBehind = (steps: UpgradeStep[]): string =>
  steps.map((step) => `${names[step.component]} ${step.from} → ${step.to}${step.kind === "major" ? " (major)" : ""}`).join(", ");
