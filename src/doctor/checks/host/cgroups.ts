import type { FactScope } from "../../facts/index.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export interface CgroupObservation {
  /** /sys/fs/cgroup/cgroup.controllers exists only on the unified (v2) hierarchy. */
  unifiedControllers: string | undefined;
  /** /sys/fs/cgroup/unified exists on the hybrid layout. */
  hybrid: boolean;
}

export function gatherCgroups({ io }: FactScope): CgroupObservation {
  return { unifiedControllers: io.readText("/sys/fs/cgroup/cgroup.controllers"), hybrid: io.stat("/sys/fs/cgroup/unified")?.isDirectory ?? false };
}

const fix =
  "Boot with the unified cgroup hierarchy: add `systemd.unified_cgroup_hierarchy=1` to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then `sudo grub-mkconfig -o /boot/grub/grub.cfg`) and reboot.";

export function judgeCgroups(observation: CgroupObservation): Verdict {
  if (observation.unifiedControllers !== undefined) {
    const controllers = observation.unifiedControllers.trim();
    return ok(`cgroups v2${controllers ? ` (controllers: ${controllers})` : ""}`);
  }
  return fail(`cgroups ${observation.hybrid ? "hybrid (v1 + v2)" : "v1"}: rootless Podman under Quadlet needs cgroups v2.`, fix);
}

export const cgroupsCheck = defineCheck({
  id: "cgroups-v2",
  category: "host",
  title: "cgroups v2",
  runtimes: ["podman"],
  gather: gatherCgroups,
  judge: judgeCgroups,
});
