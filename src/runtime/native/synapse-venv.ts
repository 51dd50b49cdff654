import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../config/paths.ts";
import { exec, which } from "../../io/exec.ts";
import { writeFileAtomic } from "../../io/fs.ts";
import { MxError } from "../../ui/errors.ts";
import { probeReady, probeSynapse, stampVerified } from "./synapse-probe.ts";

/**
 * mxhome's own Synapse for the native runtime: a venv per version under the
 * data dir, filled from the lock built into the binary (exact versions,
 * hashes, wheels only: psycopg2-binary needs no compiler). It is built in a
 * hidden temporary directory and renamed into place, so a venv at its final
 * path is always a complete one. pip reads PIP_INDEX_URL, PIP_FIND_LINKS and
 * PIP_NO_INDEX from the environment, which is how an offline install works.
 */
export const managedVenvDir = (paths: Paths, version: string) => join(paths.synapseVenvsDir, version);
/** `python -m synapse.app.homeserver` works from a renamed venv; its bin/ scripts' shebangs would not, so mxhome never uses them. */
export const managedPython = (paths: Paths, version: string) => join(managedVenvDir(paths, version), "bin", "python");

/** The lock as installed, kept beside the venvs: what an offline wheelhouse must hold. */
export const keptLockFile = (paths: Paths, version: string) => join(paths.synapseVenvsDir, `${version}.lock`);

/**
 * Pure: the lock that rebuilds the venv for `version`. The binary's own lock
 * pins one version; a venv of another version (installed by an earlier binary,
 * kept by `mxhome upgrade`) is rebuilt from the lock kept beside the venvs, so
 * the rebuilt venv is that version and the one synapse.json records.
 */
export function lockForVersion(version: string, pinned: { version: string; lock: string }, kept: { path: string; text: string | undefined }): string {
  if (version === pinned.version) return pinned.lock;
  if (kept.text !== undefined) return kept.text;
  throw new MxError(`Synapse ${version}'s venv must be rebuilt, but its lock ${kept.path} is missing (this mxhome pins Synapse ${pinned.version}).`, {
    code: "native.synapse-lock-missing",
    hint: `Run \`mxhome upgrade\` to move to Synapse ${pinned.version}, the version this mxhome installs.`,
  });
}

/** Pure: how to install without PyPI. */
export const offlineHint = (lockFile: string) =>
  `Without PyPI, install from a local wheelhouse: on a machine with network, \`pip download --only-binary=:all: --require-hashes -r ${lockFile} -d wheels\` (copy the lock over first), copy \`wheels\` back, then run \`PIP_NO_INDEX=1 PIP_FIND_LINKS=$PWD/wheels mxhome up\`. A PyPI mirror works too: PIP_INDEX_URL=<mirror> mxhome up.`;

/** Pure: what a failed `python3 -m venv` means, as an error with its fix. */
export function venvCreationError(base: string, output: string): MxError {
  if (/ensurepip is not\s+available|No module named .?ensurepip|No module named .?venv/.test(output)) {
    return new MxError(`${base} cannot create a virtual environment with pip: the python3-venv package is missing.`, {
      code: "native.python-venv-missing",
      hint: "Install it (Debian/Ubuntu: `sudo apt install python3-venv`; Arch and Fedora ship venv with python), then run `mxhome up` again.",
    });
  }
  return new MxError(`\`${base} -m venv\` failed:\n${output.trim()}`, { code: "native.synapse-install-failed", hint: "Fix the problem above, then run `mxhome up` again." });
}

/** Pure: what a failed `pip install` means, as an error with its fix. */
export function pipInstallError(version: string, output: string, lockFile: string): MxError {
  const tail = output.trim().split("\n").slice(-12).join("\n");
  if (/DO NOT MATCH THE HASHES/.test(output)) {
    return new MxError(`A downloaded package for Synapse ${version} does not match the hash in mxhome's lock:\n${tail}`, {
      code: "native.synapse-install-hash",
      hint: "The index or wheelhouse serves different files than PyPI. Check PIP_INDEX_URL / PIP_FIND_LINKS, then run `mxhome up` again.",
    });
  }
  const offline =
    /NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Network is unreachable|No matching distribution found|Could not find a version that satisfies/;
  if (offline.test(output)) {
    return new MxError(`Could not download Synapse ${version} and its dependencies (no network to PyPI, or a package is missing from the index):\n${tail}`, {
      code: "native.synapse-install-offline",
      hint: offlineHint(lockFile),
    });
  }
  return new MxError(`Installing Synapse ${version} failed:\n${tail}`, { code: "native.synapse-install-failed", hint: "Fix the problem above, then run `mxhome up` again." });
}

/**
 * Pure: where pip is, from its output so far: collecting (one line per package:
 * "Collecting x==…" from an index, "Processing /…/x.whl" from a wheelhouse), then installing.
 */
export function installStage(output: string, total: number): string | undefined {
  if (/^Installing collected packages/m.test(output)) return `installing ${total} packages`;
  const collected = Math.min((output.match(/^(Collecting|Processing) /gm) ?? []).length, total);
  return collected ? `${collected} of ${total} packages collected` : undefined;
}

export interface InstallProgress {
  (stage: string): void;
}

async function runStreaming(argv: string[], onOutput: (soFar: string) => void): Promise<{ exitCode: number; output: string }> {
  // Unbuffered: Python block-buffers a pipe, and the progress would arrive all at the end.
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, PYTHONUNBUFFERED: "1" } });
  let output = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      onOutput(output);
    }
  };
  await Promise.all([drain(child.stdout), drain(child.stderr)]);
  return { exitCode: await child.exited, output };
}

/** Removes what an interrupted install left: hidden `.<version>.*` directories beside the venvs. */
function clearLeftovers(paths: Paths, version: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(paths.synapseVenvsDir);
  } catch {
    return;
  }
  for (const name of names.filter((entry) => entry.startsWith(`.${version}.`))) rmSync(join(paths.synapseVenvsDir, name), { recursive: true, force: true });
}

/**
 * Builds the venv for `version` from `lock` and moves it into place (replacing
 * a broken one). Returns its python. Callers hold the service lock.
 */
export async function installManagedSynapse(paths: Paths, version: string, lock: string, progress?: InstallProgress): Promise<string> {
  const base = which("python3");
  if (!base) {
    throw new MxError("python3 was not found on PATH; mxhome installs Synapse into a venv made with it.", {
      code: "native.python-missing",
      hint: "Install Python 3 with venv (Debian/Ubuntu: `sudo apt install python3 python3-venv`; Arch: `sudo pacman -S python`), then run `mxhome up` again.",
    });
  }
  mkdirSync(paths.synapseVenvsDir, { recursive: true, mode: 0o700 });
  clearLeftovers(paths, version);
  const building = join(paths.synapseVenvsDir, `.${version}.building`);
  try {
    const venv = await exec([base, "-m", "venv", building]);
    if (venv.exitCode !== 0) throw venvCreationError(base, venv.stdout + venv.stderr);
    const lockFile = keptLockFile(paths, version);
    writeFileAtomic(lockFile, lock, 0o644);
    const total = (lock.match(/^[A-Za-z0-9][^\s=]*==/gm) ?? []).length;
    const pip = [join(building, "bin", "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar=off"];
    const install = await runStreaming([...pip, "--only-binary=:all:", "--require-hashes", "--requirement", lockFile], (soFar) => {
      const stage = installStage(soFar, total);
      if (stage) progress?.(stage);
    });
    if (install.exitCode !== 0) throw pipInstallError(version, install.output, lockFile);
    const probe = await probeSynapse(join(building, "bin", "python"));
    if (!probeReady(probe) || probe.synapse !== version) {
      throw new MxError(`The new Synapse ${version} venv does not work: ${probe.error ?? `it holds Synapse ${probe.synapse}`}.`, {
        code: "native.synapse-install-failed",
        hint: `Run \`mxhome up\` again; if it keeps failing, report it with the output of \`${join(building, "bin", "python")} -m pip list\`.`,
      });
    }
    const final = managedVenvDir(paths, version);
    const old = join(paths.synapseVenvsDir, `.${version}.replaced`);
    try {
      renameSync(final, old);
    } catch {
      // No earlier (broken) venv at that path.
    }
    renameSync(building, final);
    rmSync(old, { recursive: true, force: true });
    stampVerified({ ...probe, python: managedPython(paths, version) });
    return managedPython(paths, version);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}
