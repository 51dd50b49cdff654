import { describe, expect, test } from "bun:test";
import { judgeNativePrograms } from "../../../src/doctor/checks/host/native-programs.ts";
import { choosePostgres, parsePostgresMajor } from "../../../src/runtime/native/binaries.ts";
import type { NativeObservation } from "../../../src/runtime/native/observe.ts";
import { planNativeUp } from "../../../src/runtime/native/plan.ts";
import { moveToManagedAdvice, programProblems } from "../../../src/runtime/native/programs.ts";
import { lockedSynapseVersion, pinnedSynapseVersion, synapseLock } from "../../../src/runtime/native/synapse-lock.ts";
import { installStage, lockForVersion, pipInstallError, venvCreationError } from "../../../src/runtime/native/synapse-venv.ts";
import { images } from "../../../src/render/images.ts";
import type { DesiredState } from "../../../src/runtime/runtime.ts";
import { managedPython, readyPrograms } from "./_programs.ts";

const desired: DesiredState = {
  writes: [],
  fingerprints: { postgres: "p", synapse: "s", caddy: "c" },
  scale: [],
  timers: [],
  unitFilesChanged: false,
  funnelTarget: "http://127.0.0.1:8080",
};
const all = <T>(value: T) => ({ postgres: value, synapse: value, caddy: value });
const observed = (programs = readyPrograms(), running = true): NativeObservation => ({
  clusterExists: running,
  running: all(running),
  died: all(false),
  portTaken: {},
  startedWith: running ? { ...desired.fingerprints } : {},
  host: { systemd: { reachable: false, units: {} }, tailscale: { installed: false, running: false, operator: undefined, funnelTarget: undefined } },
  programs,
  scale: {},
});
const missingVenv = { python: managedPython, runs: false, missing: true, error: `${managedPython} does not exist` };
const driverless = { python: "/opt/py/bin/python", runs: true, synapse: "1.163.2", error: "import psycopg2: ModuleNotFoundError: No module named 'psycopg2'" };

describe("the one Synapse pin", () => {
  test("the lock pins matrix-synapse with hashes, psycopg2-binary (a wheel) and no psycopg2 (source only)", () => {
    expect(pinnedSynapseVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(synapseLock).toContain(`matrix-synapse==${pinnedSynapseVersion} \\\n    --hash=sha256:`);
    expect(synapseLock).toMatch(/^psycopg2-binary==/m);
    expect(synapseLock).not.toMatch(/^psycopg2==/m);
    for (const entry of synapseLock.split(/\n(?=[a-z])/).filter((line) => /^[a-z]/.test(line))) expect(entry).toMatch(/^\S+==\S+ \\\n {4}--hash=sha256:[0-9a-f]{64}/);
  });
  test("the container image tag is the locked version", () => {
    expect(images.synapse).toBe(`ghcr.io/element-hq/synapse:v${pinnedSynapseVersion}`);
  });
  test("lockedSynapseVersion refuses a lock without matrix-synapse", () => {
    expect(lockedSynapseVersion("attrs==1\nmatrix-synapse==1.2.3 \\\n")).toBe("1.2.3");
    expect(() => lockedSynapseVersion("attrs==1\n")).toThrow("pins no matrix-synapse");
  });
});

describe("up plans the Synapse program before anything starts", () => {
  test("fresh machine: install first, then the cluster and each service", () => {
    const plan = planNativeUp(desired, observed(readyPrograms({ probe: missingVenv, unrecorded: true }), false));
    expect(plan.blockers).toEqual([]);
    expect(plan.actions.map((action) => action.kind)).toEqual(["install-synapse", "init-database-cluster", "start", "create-database", "start", "start"]);
    expect(plan.actions[0]).toEqual({ kind: "install-synapse", version: "1.163.2", reason: "not installed yet" });
  });
  test("a venv deleted under the running Synapse: reinstall, then restart Synapse (not 'nothing changed')", () => {
    const plan = planNativeUp(desired, observed(readyPrograms({ probe: missingVenv })));
    expect(plan.actions).toEqual([
      { kind: "install-synapse", version: "1.163.2", reason: "its venv was deleted under the running Synapse" },
      { kind: "restart", service: "synapse", reason: "its program was reinstalled" },
    ]);
  });
  test("a broken venv is rebuilt", () => {
    const plan = planNativeUp(desired, observed(readyPrograms({ probe: { ...driverless, python: managedPython } })));
    expect(plan.actions[0]).toMatchObject({ kind: "install-synapse", reason: "its venv is broken" });
  });
  test("a ready venv is reused: nothing to do", () => {
    expect(planNativeUp(desired, observed()).actions).toEqual([]);
  });
  test("an existing deployment on a python from PATH keeps it, recorded once", () => {
    const fromPath = readyPrograms({ origin: "path", python: "/usr/bin/python3", version: undefined, unrecorded: true });
    expect(planNativeUp(desired, observed(fromPath)).actions).toEqual([{ kind: "record-synapse", source: { kind: "path", python: "/usr/bin/python3" } }]);
  });
  test("a driverless override blocks up, naming psycopg2 and the pip command", () => {
    const plan = planNativeUp(desired, observed(readyPrograms({ origin: "override", python: driverless.python, probe: driverless }), false));
    expect(plan.blockers).toHaveLength(1);
    expect(plan.blockers[0]!.message).toContain("not its PostgreSQL driver");
    expect(plan.blockers[0]!.fix).toContain("/opt/py/bin/python -m pip install psycopg2-binary");
  });
  test("no python3-venv: blocked, the package named", () => {
    const plan = planNativeUp(desired, observed(readyPrograms({ probe: missingVenv }, { venvBase: { python3: "/usr/bin/python3", canCreateVenv: false } }), false));
    expect(plan.blockers.map((blocker) => blocker.code)).toEqual(["native.python-venv-missing"]);
    expect(plan.blockers[0]!.fix).toContain("sudo apt install python3-venv");
  });
});

describe("PostgreSQL's programs match the cluster", () => {
  const installed = [
    { bindir: "/usr/lib/postgresql/17/bin", major: "17" },
    { bindir: "/usr/lib/postgresql/15/bin", major: "15" },
  ];
  test("the cluster's own major, not the newest", () => {
    expect(choosePostgres("", installed, "15")).toEqual(installed[1]!);
  });
  test("no cluster yet: the newest", () => {
    expect(choosePostgres("", installed, undefined)).toEqual(installed[0]!);
  });
  test("the cluster's major is gone: a problem naming both versions and the fix", () => {
    const choice = choosePostgres("", [installed[0]!], "15");
    expect(choice).toMatchObject({ code: "native.postgres-version-mismatch" });
    if (!("problem" in choice)) throw new Error("expected a problem");
    expect(choice.problem).toContain("created by PostgreSQL 15");
    expect(choice.problem).toContain("PostgreSQL 17 in /usr/lib/postgresql/17/bin");
    expect(choice.fix).toContain("sudo apt install postgresql-15");
  });
  test("a configured bindir of another major is refused too", () => {
    expect(choosePostgres("/usr/lib/postgresql/17/bin", [installed[0]!], "15")).toMatchObject({ code: "native.postgres-version-mismatch" });
    expect(choosePostgres("/nope", [], "15")).toMatchObject({ code: "native.postgres-missing" });
  });
  test("postgres --version parsing", () => {
    expect(parsePostgresMajor("postgres (PostgreSQL) 16.4")).toBe("16");
    expect(parsePostgresMajor("postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)")).toBe("15");
    expect(parsePostgresMajor("postgres (PostgreSQL) 9.6.24")).toBe("9.6");
    expect(parsePostgresMajor("nonsense")).toBeUndefined();
  });
});

describe("install failures name their fix", () => {
  test("no ensurepip: python3-venv", () => {
    const error = venvCreationError("/usr/bin/python3", "The virtual environment was not created successfully because ensurepip is not\navailable.");
    expect(error.code).toBe("native.python-venv-missing");
    expect(error.message).toContain("python3-venv");
  });
  test("no network: the offline option", () => {
    const error = pipInstallError("1.163.2", "WARNING: Retrying ... NewConnectionError('Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')\nERROR: Could not find a version that satisfies the requirement attrs==26.1.0", "/d/1.163.2.lock");
    expect(error.code).toBe("native.synapse-install-offline");
    expect(error.hint).toContain("PIP_FIND_LINKS");
    expect(error.hint).toContain("-r /d/1.163.2.lock");
  });
  test("a hash mismatch", () => {
    expect(pipInstallError("1.163.2", "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.", "/d/1.163.2.lock").code).toBe("native.synapse-install-hash");
  });
  test("progress: packages collected, then installing", () => {
    expect(installStage("Looking in links: /w\nCollecting attrs==1\n  Downloading x\nCollecting b==2\n  Using cached b.whl", 60)).toBe("2 of 60 packages collected");
    expect(installStage("Looking in links: /w\nProcessing /w/attrs-1-py3-none-any.whl\n", 60)).toBe("1 of 60 packages collected");
    expect(installStage("Looking in links: /w\n", 60)).toBeUndefined();
    expect(installStage("Collecting attrs==1\nInstalling collected packages: attrs, b", 60)).toBe("installing 60 packages");
  });
});

describe("doctor native-programs", () => {
  const fact = (programs = readyPrograms(), synapseRunning = true, needsRedis = false) => ({ programs, synapseRunning, needsRedis, recordFile: "/s/synapse.json" });
  test("all there: ok, each program with its version", () => {
    const verdict = judgeNativePrograms(fact());
    expect(verdict.status).toBe("ok");
    expect(verdict.detail).toBe("Synapse 1.163.2 with psycopg2 2.9.13; PostgreSQL 15 in /usr/lib/postgresql/15/bin, cluster 15; Caddy 2.6.2");
  });
  test("the venv deleted under a running server: fail, and `mxhome up` reinstalls and restarts", () => {
    const verdict = judgeNativePrograms(fact(readyPrograms({ probe: missingVenv })));
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("is not installed");
    expect(verdict.detail).toContain("would not start again");
    expect(verdict.fix).toContain("mxhome up");
    expect(verdict.fix).toContain("restarts Synapse");
  });
  test("PostgreSQL binaries gone for the cluster's major: fail with the fix", () => {
    const postgres = { ...choosePostgres("", [{ bindir: "/usr/lib/postgresql/17/bin", major: "17" }], "15"), cluster: "15" };
    const verdict = judgeNativePrograms(fact(readyPrograms({}, { postgres })));
    expect(verdict.status).toBe("fail");
    expect(verdict.fix).toContain("postgresql-15");
  });
  test("a deployment kept on PATH's python: info saying how to move", () => {
    const verdict = judgeNativePrograms(fact(readyPrograms({ origin: "path", python: "/usr/bin/python3" })));
    expect(verdict.status).toBe("info");
    expect(verdict.fix).toContain("remove /s/synapse.json");
  });
  test("never moved backwards: a newer Synapse on PATH is kept", () => {
    const newer = readyPrograms({ origin: "path", python: "/usr/bin/python3", probe: { python: "/usr/bin/python3", runs: true, synapse: "1.170.0", driver: "2.9.13" } });
    expect(moveToManagedAdvice(newer.synapse, "/s/synapse.json")).toContain("Keep it");
  });
  test("with workers, Redis is listed; a missing redis-server fails with the install command and blocks up", () => {
    expect(judgeNativePrograms(fact(readyPrograms(), true, true)).details).toContain("Redis (/usr/bin/redis-server)");
    const verdict = judgeNativePrograms(fact(readyPrograms({}, { redis: {} }), true, true));
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("redis-server was not found");
    expect(verdict.fix).toContain("sudo apt install redis-server");
    expect(programProblems(readyPrograms({}, { redis: {} }), true, true)[0]).toMatchObject({ code: "native.redis-missing", blocking: true });
    // Without workers nobody needs it.
    expect(judgeNativePrograms(fact(readyPrograms({}, { redis: {} }))).status).toBe("ok");
  });
  test("caddy missing", () => {
    const problems = programProblems(readyPrograms({}, { caddy: { problem: 'Caddy ("caddy") was not found.', fix: "Install it" } }), true);
    expect(problems).toEqual([{ code: "native.caddy-missing", message: 'Caddy ("caddy") was not found.', fix: "Install it", blocking: true }]);
  });
});

describe("lockForVersion: the lock that rebuilds a deleted or broken venv", () => {
  const pinned = { version: "1.2.0", lock: "matrix-synapse==1.2.0\n" };
  const kept = { path: "/data/synapse/venvs/1.1.0.lock", text: "matrix-synapse==1.1.0\n" };

  test("the pinned version installs from the binary's own lock", () => {
    expect(lockForVersion("1.2.0", pinned, { ...kept, text: undefined })).toBe(pinned.lock);
  });

  test("another recorded version installs from the lock kept beside the venvs, so the rebuilt venv is that version", () => {
    expect(lockForVersion("1.1.0", pinned, kept)).toBe(kept.text);
  });

  test("without that kept lock: a clear error naming the file and `mxhome upgrade`", () => {
    let error: unknown;
    try {
      lockForVersion("1.1.0", pinned, { ...kept, text: undefined });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "native.synapse-lock-missing" });
    expect(String((error as Error).message)).toContain(kept.path);
    expect((error as { hint: string }).hint).toContain("mxhome upgrade");
  });
});
