import { compareVersions, minimumPodman } from "../../../render/podman-keys.ts";
import { type CommandOutput, commandFact, firstLine } from "../../facts/command.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export const gatherPodmanVersion = commandFact(["podman", "--version"]);

const install = "Install Podman ≥ 4.5 with Quadlet: Arch `sudo pacman -S podman`; Debian/Ubuntu `sudo apt install podman` (Debian 13 or newer); or use `--runtime native`.";

/** `podman --version` prints `podman version 5.2.3` (4.x the same; pre-releases add `-rc1`, `-dev`). */
export function judgePodman(output: CommandOutput, minimum = minimumPodman): Verdict {
  if (!output) return fail("podman is not installed (or not on PATH).", install);
  const version = /version\s+(\d+\.\d+(?:\.\d+)?)/.exec(output.stdout)?.[1];
  if (output.exitCode !== 0 || !version) return fail(`\`podman --version\` failed: ${firstLine(output)}`, install);
  if (compareVersions(version, minimum) < 0) {
    return fail(
      `podman ${version} is older than ${minimum}: mxhome's Quadlet units use Secret=, HealthCmd= and UserNS= (4.5), and quadlet rejects units with keys it does not know.`,
      install,
    );
  }
  return ok(`podman ${version} (≥ ${minimum})`);
}

export const podmanCheck = defineCheck({
  id: "podman",
  category: "host",
  title: "Podman with Quadlet, new enough",
  runtimes: ["podman"],
  gather: gatherPodmanVersion,
  judge: (output) => judgePodman(output),
});
