import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { exec } from "../../io/exec.ts";
import { readTextIfExists, writeFileAtomic } from "../../io/fs.ts";

/**
 * What a Python can run: Synapse alone is not enough, it needs its
 * PostgreSQL driver (psycopg2) too, or it dies at its first database access.
 */
export interface SynapseProbe {
  python: string;
  /** The python file exists and ran the probe. */
  runs: boolean;
  /** The python file does not exist at all (not installed, or deleted). */
  missing?: boolean;
  /** matrix-synapse's installed version, when `import synapse` works. */
  synapse?: string;
  /** psycopg2's version, when `import psycopg2` works. */
  driver?: string;
  /** txredisapi's version, when it and hiredis import: Synapse's `redis` extra, which [scale] workers need. */
  redis?: string;
  /** Why the probe failed, in Python's words (first useful line). */
  error?: string;
}

// importlib.metadata, not synapse.__version__: the latter appends git details of any enclosing checkout.
const probeScript = `
import json, sys
out = {}
try:
    import synapse, importlib.metadata as m
    try:
        out["synapse"] = m.version("matrix-synapse")
    except Exception:
        out["synapse"] = str(synapse.__version__).split()[0]
except Exception as e:
    out["error"] = "import synapse: %s: %s" % (type(e).__name__, e)
try:
    import psycopg2
    out["driver"] = psycopg2.__version__.split()[0]
except Exception as e:
    out.setdefault("error", "import psycopg2: %s: %s" % (type(e).__name__, e))
try:
    import txredisapi, hiredis, importlib.metadata as m
    out["redis"] = m.version("txredisapi")
except Exception:
    pass
print(json.dumps(out))
`;

export async function probeSynapse(python: string): Promise<SynapseProbe> {
  if (!existsSync(python)) return { python, runs: false, missing: true, error: `${python} does not exist` };
  const result = await exec([python, "-c", probeScript], { timeoutMs: 60_000 }).catch((error: Error) => ({ exitCode: -1, stdout: "", stderr: error.message }));
  try {
    const found = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "") as Pick<SynapseProbe, "synapse" | "driver" | "redis" | "error">;
    return { python, runs: true, ...found };
  } catch {
    const why = result.stderr.trim().split("\n").at(-1) || `exit ${result.exitCode}`;
    return { python, runs: false, error: `${python} does not run: ${why}` };
  }
}

/** Pure: the probe found everything Synapse needs. */
export const probeReady = (probe: SynapseProbe): boolean => probe.runs && probe.synapse !== undefined && probe.driver !== undefined;

/**
 * What a venv's probe depends on: its python and each site-packages
 * directory (installing or removing a package changes the directory).
 */
function venvKey(python: string): string | undefined {
  const venv = dirname(dirname(python));
  try {
    const sitePackages = readdirSync(join(venv, "lib")).map((version) => join(venv, "lib", version, "site-packages"));
    return JSON.stringify([python, statSync(python).mtimeMs, ...sitePackages.map((dir) => [dir, statSync(dir).mtimeMs])]);
  } catch {
    return undefined;
  }
}

const stampFile = (python: string) => join(dirname(dirname(python)), "mxhome-verified.json");

/**
 * After a venv passed its probe at install time: remember the probe with the
 * venv's key, so a no-op `up` need not import Synapse (most of a second).
 */
export function stampVerified(probe: SynapseProbe): void {
  const key = venvKey(probe.python);
  if (key) writeFileAtomic(stampFile(probe.python), `${JSON.stringify({ key, probe })}\n`, 0o644);
}

/** The install-time probe of a managed venv, while nothing in it changed since; else a fresh probe. Writes nothing. */
export async function probeManagedSynapse(python: string): Promise<SynapseProbe> {
  try {
    const stamp = JSON.parse(readTextIfExists(stampFile(python)) ?? "null") as { key: string; probe: SynapseProbe } | null;
    if (stamp && stamp.key === venvKey(python)) return stamp.probe;
  } catch {
    // A damaged stamp only costs a probe.
  }
  return probeSynapse(python);
}
