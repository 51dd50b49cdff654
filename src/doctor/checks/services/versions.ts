import { existsSync } from "node:fs";
import { checkDeploymentVersions } from "../../../upgrade/observe.ts";
import type { PostgresMajorRecord } from "../../../upgrade/postgres-major.ts";
import { readPostgresMajorRecord } from "../../../upgrade/postgres-major-record.ts";
import { behindPins, type DeploymentCheck, formatBehind } from "../../../upgrade/versions.ts";
import type { Gatherer } from "../../facts/index.ts";
import { defineCheck, info, ok, type Verdict } from "../../types.ts";

type VersionFacts = DeploymentCheck & { keptOldPostgres?: PostgresMajorRecord };

const gatherVersions: Gatherer<VersionFacts> = async (scope) => {
  const record = readPostgresMajorRecord(scope.paths);
  return { ...(await checkDeploymentVersions(scope.paths, scope.config)), ...(record && existsSync(record.oldDir) ? { keptOldPostgres: record } : {}) };
};

/** Behind the pins is a warning: Synapse's point releases carry security fixes. An old data directory a major upgrade kept is worth knowing. */
export function judgeVersions(check: VersionFacts): Verdict {
  const behind = behindPins(check);
  if (behind.length) {
    return { status: "warn", detail: `Older than this mxhome pins: ${formatBehind(behind)}.`, fix: "mxhome upgrade --check   # what would change; then `mxhome upgrade`" };
  }
  const running = check.components.flatMap((component) => (component.running ? [`${component.component} ${component.running}`] : []));
  const detail = `What runs is what this mxhome pins (or not mxhome's to move)${running.length ? `: ${running.join(", ")}` : ""}`;
  const kept = check.keptOldPostgres;
  if (kept) return info(`${detail}; PostgreSQL ${kept.from}'s data directory is kept at ${kept.oldDir} since the upgrade to ${kept.to}`, "mxhome upgrade --forget-old-postgres   # once you are happy with the new one");
  return ok(detail);
}

export const versionsCheck = defineCheck({
  id: "versions",
  category: "services",
  title: "Synapse and PostgreSQL at this mxhome's pins",
  gather: gatherVersions,
  judge: judgeVersions,
});
