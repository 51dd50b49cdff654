import { existsSync } from "node:fs";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { applyManagedWrites, planManagedWrites, type PlannedWrite } from "../io/managed-files.ts";
import { renderInputsFor } from "../render/index.ts";
import { quoteExecArgument, renderTimers } from "../render/systemd.ts";
import { readTextIfExists } from "../io/fs.ts";
import { recordSystemdUser, systemctlUser } from "../runtime/host/systemd-user.ts";

/**
 * The timers run mxhome by its absolute path. After an upgrade that path is
 * the binary just replaced; units that name another path (the binary was
 * moved since `up` wrote them) are rewritten to name it. Units `up` never
 * wrote stay unwritten: that is `up`'s job.
 */
export interface TimerPathsResult {
  rewritten: string[];
  notes: string[];
}

/** Pure: whether some existing service's ExecStart runs another binary than `binary`. */
export function namesAnotherBinary(services: { content: string }[], binary: string): boolean {
  const execStart = `ExecStart=${quoteExecArgument(binary)} `;
  return services.some(({ content }) => content.split("\n").some((line) => line.startsWith("ExecStart=") && !line.startsWith(execStart)));
}

export async function refreshTimerPaths(paths: Paths, config: Config, binary: string): Promise<TimerPathsResult> {
  const files = renderTimers(renderInputsFor(config, paths, binary)).filter((file) => existsSync(file.path));
  const services = files.filter((file) => file.path.endsWith(".service")).map((file) => ({ content: readTextIfExists(file.path) ?? "" }));
  if (!namesAnotherBinary(services, binary)) return { rewritten: [], notes: [] };
  const plan = planManagedWrites(files, paths.renderedManifestFile);
  const edited = plan.filter((entry) => entry.action === "edited");
  const safe: PlannedWrite[] = plan.filter((entry) => entry.action !== "edited");
  const { written } = applyManagedWrites(safe, paths.renderedManifestFile, { force: false });
  const notes = edited.map(
    (entry) => `${entry.file.path} was edited by hand, so it still runs the old path; \`mxhome up --force\` rewrites it (keeping a backup).`,
  );
  if (written.length) {
    if ((await recordSystemdUser([])) === undefined) {
      notes.push("The user systemd manager is not reachable, so it has not re-read the timers: run `systemctl --user daemon-reload` once you are logged in.");
    } else {
      await systemctlUser(["daemon-reload"]);
    }
  }
  return { rewritten: written.map((entry) => entry.file.path), notes };
}
