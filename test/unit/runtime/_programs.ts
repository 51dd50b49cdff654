import type { NativePrograms } from "../../../src/runtime/native/programs.ts";
import type { SynapseProgram } from "../../../src/runtime/native/synapse-source.ts";

/** What observePrograms finds on a healthy machine with mxhome's own Synapse. */
export const managedPython = "/home/u/.local/share/mxhome/synapse-venv/1.163.2/bin/python";

export function readyPrograms(synapse: Partial<SynapseProgram> = {}, changes: Partial<NativePrograms> = {}): NativePrograms {
  return {
    synapse: {
      origin: "managed",
      python: managedPython,
      version: "1.163.2",
      pinned: "1.163.2",
      probe: { python: managedPython, runs: true, synapse: "1.163.2", driver: "2.9.13", redis: "1.5.0" },
      unrecorded: false,
      ...synapse,
    },
    venvBase: { python3: "/usr/bin/python3", canCreateVenv: true },
    postgres: { bindir: "/usr/lib/postgresql/15/bin", major: "15", cluster: "15" },
    caddy: { path: "/usr/bin/caddy", version: "2.6.2" },
    redis: { path: "/usr/bin/redis-server" },
    ...changes,
  };
}
