import type { FactScope } from "../../facts/index.ts";
import { defineCheck, info, ok, type Verdict, warn } from "../../types.ts";

/** The controllers systemd delegated to this user's manager: what its units' CPUWeight=/IOWeight=/MemoryHigh= can use. */
export function gatherDelegatedControllers({ io }: FactScope): string | undefined {
  const { uid } = io.user;
  return io.readText(`/sys/fs/cgroup/user.slice/user-${uid}.slice/user@${uid}.service/cgroup.controllers`);
}

/** The drop-in podman's troubleshooting guide gives for rootless resource limits; `io` is not delegated by default. */
const fix =
  "sudo mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf && sudo systemctl daemon-reload; then log out and back in (or reboot).";

const neededBy: Record<string, string> = { cpu: "CPUWeight=", io: "IOWeight=", memory: "MemoryHigh=" };

/** Pure: without cpu/io/memory in the user manager's cgroup, the units' weights and ceiling are silently ignored. */
export function judgeDelegation(controllers: string | undefined): Verdict {
  if (controllers === undefined) return info("cannot read your user manager's cgroup (cgroups v1, or no systemd user manager); resource weights are not checked.");
  const present = new Set(controllers.trim().split(/\s+/).filter(Boolean));
  const missing = Object.keys(neededBy).filter((controller) => !present.has(controller));
  if (missing.length === 0) return ok(`cpu, io and memory are delegated: the services yield to your desktop (controllers: ${[...present].join(" ")})`);
  const ignored = new Intl.ListFormat("en", { type: "conjunction" }).format(missing.map((controller) => neededBy[controller]!));
  const names = new Intl.ListFormat("en", { type: "disjunction" }).format(missing);
  return warn(
    `your user manager has no ${names} controller, so the services' ${ignored} do nothing: under load Synapse competes with your desktop as an equal.`,
    fix,
  );
}

export const delegationCheck = defineCheck({
  id: "cgroup-delegation",
  category: "host",
  title: "Services yield to the desktop (cgroup delegation)",
  runtimes: ["podman"],
  gather: gatherDelegatedControllers,
  judge: judgeDelegation,
});
