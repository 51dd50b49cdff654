import type { FactScope } from "../../facts/index.ts";
import { defineCheck, info, type RuntimeKind, type Verdict } from "../../types.ts";

/** /sys/module/apparmor/parameters/enabled holds "Y" when the kernel runs AppArmor. */
export const gatherApparmor = ({ io }: FactScope) => io.readText("/sys/module/apparmor/parameters/enabled")?.trim();

/**
 * Always `info`: the guide claims AppArmor confines the containers, but
 * rootless Podman applies no AppArmor profile ("AppArmor is not supported on
 * rootless containers"), and native processes run unconfined too.
 */
export function judgeApparmor(enabled: string | undefined, runtime: RuntimeKind): Verdict {
  const host = enabled === "Y" ? "AppArmor is enabled on this host" : "AppArmor is not enabled on this host";
  const why =
    runtime === "podman"
      ? "but rootless Podman applies no AppArmor profile to mxhome's containers (podman refuses apparmor= for rootless containers). They are contained by the user namespace, seccomp and your user's own permissions."
      : "and the native runtime's processes run unconfined, as your user.";
  return info(`${host}, ${why}`);
}

export const apparmorCheck = defineCheck({
  id: "apparmor",
  category: "host",
  title: "AppArmor (what actually confines the services)",
  gather: gatherApparmor,
  judge: (enabled, { config }) => judgeApparmor(enabled, config.runtime.kind),
});
