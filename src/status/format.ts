import { formatBehind } from "../upgrade/versions.ts";
import { formatBytes, formatDuration } from "../doctor/format-units.ts";
import { bold, formatTable, statusIcon } from "../ui/style.ts";
import type { LastRun, ServerStatus, ServiceStatus, StatusReport, UnconfiguredStatus, WorkerStatus } from "./types.ts";

/** Pure: the one-line verdict: up, down, or what is missing. */
export function headline(report: ServerStatus): { up: boolean; text: string } {
  const down = [
    ...report.services,
    ...report.workers
      .filter((worker) => worker.wanted)
      .map((worker) => ({ service: worker.name, state: worker.state === "running" ? (worker.healthy ? "running" : "not answering") : worker.state === "died" ? "stopped unexpectedly" : "stopped" })),
  ].filter((service) => service.state !== "running");
  if (down.length === 0 && report.synapse.healthy) return { up: true, text: "The homeserver is up." };
  if (report.services.length && down.length === report.services.length) return { up: false, text: "The homeserver is DOWN: nothing is running. Start it with `mxhome up`." };
  const names = down.map((service) => `${service.service} is ${service.state}`);
  if (!report.synapse.healthy && !down.some((service) => service.service === "synapse")) names.push("Synapse does not answer /health");
  return { up: false, text: `The homeserver is DOWN: ${names.join(", ")}. \`mxhome up\` starts it; \`mxhome doctor\` says why it stopped.` };
}

const when = (iso: string | undefined, now: Date) => {
  if (!iso) return "";
  const ms = Date.parse(iso) - now.getTime();
  const date = `${iso.slice(0, 16).replace("T", " ")} UTC`;
  return ms >= 0 ? `${date} (in ${formatDuration(ms)})` : `${date} (${formatDuration(-ms)} ago)`;
};

function lastRun(job: string, run: LastRun | undefined, now: Date): string {
  if (!run) return `${job}: never`;
  return `${job}: ${run.ok ? "ok" : "FAILED"} ${when(run.finishedAt, now)}, ${run.summary}`;
}

/** Pure: the one screen. */
function formatBackup(backup: ServerStatus["backup"], now: Date): string {
  const schedule = backup.scheduled ? "weekly timer on" : "no timer, since [backup] enabled = false";
  const failed = backup.lastRun && !backup.lastRun.ok ? `; the last run FAILED ${when(backup.lastRun.finishedAt, now)}: ${backup.lastRun.summary}` : "";
  // A restored server came from an archive that need not be in the backup dir: say so rather than a bare "none yet".
  const restored = backup.restoredFrom ? ` since the restore from ${backup.restoredFrom.archive} ${when(backup.restoredFrom.finishedAt, now)}` : "";
  if (!backup.newest) return `none yet${restored}: run \`mxhome backup\` (${schedule})${failed}`;
  const age = backup.ageDays === 0 ? "today" : `${backup.ageDays} d ago`;
  return `newest ${age} (${formatBytes(backup.newest.bytes)}${backup.newest.encrypted ? ", encrypted" : ""}), ${schedule}${failed}`;
}

function servicesTable(services: ServiceStatus[], color: boolean, now: Date): string {
  return formatTable(
    services.map((service) => [
      `  ${statusIcon(service.state === "running" ? "ok" : "fail", color)}`,
      service.service,
      service.state,
      service.since ? `up ${formatDuration(now.getTime() - service.since)}` : "",
      service.memoryBytes ? formatBytes(service.memoryBytes) : "",
      service.restarts ? `${service.restarts} restarts` : "",
    ]),
  );
}

/** [scale]: Redis and each worker, with its health; a leftover says that `up` stops it. */
function workersTable(workers: WorkerStatus[], color: boolean): string {
  return formatTable(
    workers.map((worker) => [
      `  ${statusIcon(!worker.wanted ? "warn" : worker.healthy ? "ok" : "fail", color)}`,
      worker.name === "redis" ? "redis" : `synapse ${worker.name}`,
      worker.state === "running" ? (worker.healthy ? "healthy" : "running, not answering") : worker.state,
      worker.port ? `127.0.0.1:${worker.port}` : "",
      worker.unit ?? "",
      worker.wanted ? "" : "no longer wanted: `mxhome up` stops it",
    ]),
  );
}

/** No valid mxhome.toml: what is wrong (the lines themselves go to stderr as the error) and the services as far as seen. */
function formatUnconfigured(report: UnconfiguredStatus, color: boolean, now: Date): string {
  if (!report.services) return `${statusIcon("warn", color)} mxhome is ${report.problem} (${report.configFile})\n`;
  return [
    `${statusIcon("fail", color)} ${report.configFile} is ${report.problem}: fix it (the lines are named below), then run \`mxhome status\` again.`,
    "Services, as far as they can be seen without it:",
    servicesTable(report.services, color, now),
    "",
  ].join("\n");
}

export function formatStatus(report: StatusReport, options: { color: boolean; now: Date }): string {
  const { color, now } = options;
  if (!report.configured) return formatUnconfigured(report, color, now);
  const verdict = headline(report);
  const lines = [`${bold(report.serverName, color)}  ${report.publicUrl}  (${report.runtime} runtime)`, `${statusIcon(verdict.up ? "ok" : "fail", color)} ${verdict.text}`, ""];
  lines.push(servicesTable(report.services, color, now), "");
  if (report.workers.length) lines.push(workersTable(report.workers, color), "");
  for (const service of report.services.filter((s) => s.lastLines?.length)) {
    lines.push(`${service.service} (${service.unit}) failed; its last lines:`, ...service.lastLines!.map((line) => `  ${line}`), `  fix: mxhome up   # after fixing the cause; \`mxhome logs ${service.service}\` shows more`, "");
  }
  const count = (value: number | undefined, noun: string) => (value === undefined ? `${noun}: unknown` : `${value} ${noun}`);
  const rows = [
    ["Synapse", report.synapse.version ? `${report.synapse.version}${report.synapse.healthy ? "" : " (not healthy)"}` : "not answering"],
    ["Accounts", report.counts ? `${count(report.counts.users, "local users")} (mxhome's own 2 included), ${count(report.counts.rooms, "rooms")}` : "unknown (Synapse or mxhome's token unavailable)"],
    ["Storage", `database ${report.sizes.databaseBytes === undefined ? "unknown" : formatBytes(report.sizes.databaseBytes)}, media ${report.sizes.mediaBytes === undefined ? "unknown" : formatBytes(report.sizes.mediaBytes)}`],
    [
      "Last runs",
      [lastRun("purge", report.lastRuns.purge, now), lastRun("kick", report.lastRuns.kick, now), ...(report.lastRuns.kickPreview ? [lastRun("kick preview", report.lastRuns.kickPreview, now)] : [])].join("; "),
    ],
    ["Catch-up", report.lastRuns["catch-up"] ? lastRun("last", report.lastRuns["catch-up"], now) : "never (it runs when the homeserver starts)"],
    ["Backup", formatBackup(report.backup, now)],
    ...(report.behindPins.length ? [["Upgrade", `${formatBehind(report.behindPins)}: \`mxhome upgrade --check\``]] : []),
    [
      "Next runs",
      report.timers.map((timer) => `${timer.job}: ${timer.state === "scheduled" ? when(timer.next, now) || "scheduled" : timer.state === "unknown" ? "not scheduled (no user systemd)" : timer.state}`).join("; "),
    ],
  ];
  lines.push(formatTable(rows.map(([label, value]) => [bold(label!, color), value!])));
  return `${lines.join("\n")}\n`;
}
