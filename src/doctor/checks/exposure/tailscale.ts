import { funnelHostFromStatus } from "../../../tailscale/status.ts";
import { gatherTailscale, type TailscaleObservation } from "../../facts/tailscale.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export function judgeTailscaleLogin(observation: TailscaleObservation): Verdict {
  if (!observation.installed) {
    return fail(
      "Tailscale is not installed: without Funnel nothing on the internet reaches your server.",
      "Install it (Arch: `sudo pacman -S tailscale`; others: https://tailscale.com/download), then `sudo systemctl enable --now tailscaled && sudo tailscale up`.",
    );
  }
  if (observation.statusError) {
    const down = /doesn't appear to be running|failed to connect/i.test(observation.statusError);
    return fail(`\`tailscale status\` failed: ${observation.statusError}.`, down ? "sudo systemctl enable --now tailscaled" : "sudo tailscale up");
  }
  const status = observation.status ?? {};
  switch (status.BackendState) {
    case "Running":
      return ok(`connected as ${funnelHostFromStatus(status) ?? status.Self?.HostName}`);
    case "NeedsLogin":
      return fail(`Tailscale is logged out${status.AuthURL ? ` (log in at ${status.AuthURL})` : ""}.`, "sudo tailscale up   # then open the login URL it prints");
    case "NeedsMachineAuth":
      return fail("this machine waits for approval in your tailnet.", "Approve it at https://login.tailscale.com/admin/machines");
    default:
      return fail(`Tailscale is ${status.BackendState ?? "in an unknown state"}, not connected.`, "sudo tailscale up");
  }
}

export const tailscaleCheck = defineCheck({
  id: "tailscale",
  category: "exposure",
  title: "Tailscale logged in",
  needsConfig: false,
  gather: gatherTailscale,
  judge: judgeTailscaleLogin,
});
