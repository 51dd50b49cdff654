import { basename } from "node:path";
import type { Action, Plan } from "./runtime.ts";
import { statusIcon } from "../ui/style.ts";

/** "redis", or a Synapse worker by name. */
export const processLabel = (process: string) => (process === "redis" ? "redis" : `Synapse ${process}`);

/** Pure: one line per action, the same words for `--dry-run` and for progress. */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case "write-files":
      return `write ${action.files.length} rendered file${action.files.length === 1 ? "" : "s"} (${action.files.map((f) => basename(f.path)).join(", ")})`;
    case "install-synapse":
      return `install Synapse ${action.version} into mxhome's venv (${action.reason})`;
    case "record-synapse":
      return action.source.kind === "managed"
        ? `record mxhome's Synapse ${action.source.version} as the one this deployment runs`
        : `keep Synapse from ${action.source.python} (found on PATH; recorded so it stays until you move it)`;
    case "init-database-cluster":
      return "create the PostgreSQL cluster (C locale, UTF-8)";
    case "create-database":
      return "make sure Synapse's database exists (collation C)";
    case "podman-secret":
      return `${action.mode === "create" ? "create" : "replace"} podman secret ${action.name}${action.mode === "remove-and-create" ? " (remove, then create: this podman has no --replace)" : ""}`;
    case "pull-image":
      return `podman pull ${action.image} (not in your image store yet; this can take minutes)`;
    case "daemon-reload":
      return "systemctl --user daemon-reload";
    case "start":
      return `start ${action.service} (${action.reason})`;
    case "restart":
      return `restart ${action.service} (${action.reason})`;
    case "stop":
      return `stop ${action.service}`;
    case "start-process":
      return `start ${processLabel(action.process)} (${action.reason})`;
    case "restart-process":
      return `restart ${processLabel(action.process)} (${action.reason})`;
    case "stop-process":
      return `stop ${processLabel(action.process)} (${action.reason})`;
    case "remove-units":
      return `remove ${action.files.join(", ")} ([scale] workers no longer asks for ${action.files.length === 1 ? "it" : "them"})`;
    case "enable-units":
      return `enable ${action.start ? "and start " : ""}${action.units.join(", ")}`;
    case "disable-units":
      return `disable ${action.stop ? "and stop " : ""}${action.units.join(", ")}`;
    case "funnel-on":
      return `tailscale funnel --bg --https=443 ${action.target}`;
    case "funnel-off":
      return `tailscale funnel --https=443 off (mxhome's mapping to ${action.target})`;
  }
}

/** Pure: the plan as text, for `up --dry-run` and `down --dry-run`. */
export function formatPlan(plan: Plan, color: boolean): string {
  const lines: string[] = [];
  for (const blocker of plan.blockers) lines.push(`${statusIcon("fail", color)} ${blocker.message}`, `    fix: ${blocker.fix}`);
  if (plan.actions.length === 0) lines.push(`${statusIcon("ok", color)} nothing to do`);
  plan.actions.forEach((action, index) => {
    lines.push(`  ${index + 1}. ${describeAction(action)}`);
    if (action.kind === "write-files") for (const file of action.files) lines.push(`       ${file.action.padEnd(7)} ${file.path}`);
  });
  for (const note of plan.notes) lines.push(`${statusIcon("info", color)} ${note}`);
  return lines.join("\n");
}

/** The plan for `--json`: each action with the sentence the text view shows. */
export function planDocument(plan: Plan): object {
  return { ...plan, actions: plan.actions.map((action) => ({ ...action, summary: describeAction(action) })) };
}
