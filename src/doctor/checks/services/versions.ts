import { checkDeploymentVersions } from "../../../upgrade/observe.ts";
import { behindPins, type DeploymentCheck, formatBehind } from "../../../upgrade/versions.ts";
import type { Gatherer } from "../../facts/index.ts";
import { defineCheck, ok, type Verdict } from "../../types.ts";

const gatherVersions: Gatherer<DeploymentCheck> = (scope) => checkDeploymentVersions(scope.paths, scope.config);

/** Behind the pins is a warning: Synapse's point releases carry security fixes. */
export function judgeVersions(check: DeploymentCheck): Verdict {
  const behind = behindPins(check);
  if (behind.length) {
    return { status: "warn", detail: `Older than this mxhome pins: ${formatBehind(behind)}.`, fix: "mxhome upgrade --check   # what would change; then `mxhome upgrade`" };
  }
  const running = check.components.flatMap((component) => (component.running ? [`${component.component} ${component.running}`] : []));
  return ok(`What runs is what this mxhome pins (or not mxhome's to move)${running.length ? `: ${running.join(", ")}` : ""}`);
}

export const versionsCheck = defineCheck({
  id: "versions",
  category: "services",
  title: "Synapse and PostgreSQL at this mxhome's pins",
  gather: gatherVersions,
  judge: judgeVersions,
});
