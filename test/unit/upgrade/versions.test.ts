import { describe, expect, test } from "bun:test";
import { judgeVersions } from "../../../src/doctor/checks/services/versions.ts";
import { images } from "../../../src/render/images.ts";
import { pinnedSynapseVersion } from "../../../src/runtime/native/synapse-lock.ts";
import {
  behindPins,
  type ComponentVersions,
  formatDeploymentCheck,
  imageTag,
  imageVersion,
  judgeStep,
  planUpgrade,
  postgresMajor,
  quadletImage,
  tagVersion,
  upgradeOnlyBlockers,
} from "../../../src/upgrade/versions.ts";

const synapse = (deployed: string | undefined, pinned: string | undefined = "1.163.2"): ComponentVersions => ({ component: "synapse", deployed, pinned, source: "test" });
const postgres = (deployed: string | undefined, pinned: string | undefined = "17.6"): ComponentVersions => ({ component: "postgres", deployed, pinned, source: "test" });

describe("reading versions", () => {
  test("image tags and their versions", () => {
    expect(imageTag("docker.io/library/postgres:17.6-alpine")).toBe("17.6-alpine");
    expect(imageTag("localhost:5000/synapse")).toBeUndefined(); // a registry port is not a tag
    expect(imageTag("ghcr.io/element-hq/synapse:v1.163.2@sha256:abc")).toBe("v1.163.2");
    expect(tagVersion("v1.163.2")).toBe("1.163.2");
    expect(tagVersion("2.10.2-alpine")).toBe("2.10.2");
    expect(tagVersion("latest")).toBeUndefined();
  });

  test("PostgreSQL majors: two parts before 10", () => {
    expect(postgresMajor("17.6-alpine")).toBe("17");
    expect(postgresMajor("15")).toBe("15");
    expect(postgresMajor("15.14")).toBe("15");
    expect(postgresMajor("9.6.24")).toBe("9.6");
    expect(postgresMajor("beta")).toBeUndefined();
  });

  test("the Image= of a quadlet file", () => {
    expect(quadletImage("[Container]\nContainerName=x\nImage=docker.io/library/postgres:15-alpine\n")).toBe("docker.io/library/postgres:15-alpine");
    expect(quadletImage("[Container]\n")).toBeUndefined();
  });

  test("an image's version, from its tag", () => {
    expect(imageVersion("ghcr.io/element-hq/synapse:v1.162.0")).toBe("1.162.0");
    expect(imageVersion("docker.io/library/postgres:17.6-alpine")).toBe("17.6");
    expect(imageVersion("localhost/x:latest")).toBeUndefined();
    expect(imageVersion(undefined)).toBeUndefined();
  });

  test("this mxhome's images carry the one Synapse pin", () => {
    expect(tagVersion(imageTag(images.synapse)!)).toBe(pinnedSynapseVersion);
  });
});

describe("judging a step", () => {
  test.each([
    [synapse("1.163.2"), "current"],
    [synapse("1.161.0"), "forward"],
    [synapse("1.163.10", "1.163.2"), "downgrade"], // numeric, not textual
    [synapse("1.9.0", "1.10.0"), "forward"],
    [synapse(undefined), "unknown"],
    [{ component: "synapse", deployed: "1.150.0", source: "runtime.native.python" } satisfies ComponentVersions, "unmanaged"],
    [postgres("17"), "current"],
    [postgres("17.5"), "forward"],
    [postgres("15"), "major"],
    [postgres("9.6", "10"), "major"],
    [postgres("18", "17.6"), "downgrade"],
  ] as const)("%o is %s", (versions, kind) => {
    expect(judgeStep(versions).kind).toBe(kind);
  });

  test("a plan says whether anything changes and whether a PostgreSQL major is among it", () => {
    expect(planUpgrade([synapse("1.163.2"), postgres("17")])).toMatchObject({ changes: false, postgresMajor: false });
    expect(planUpgrade([synapse("1.161.0"), postgres("17")])).toMatchObject({ changes: true, postgresMajor: false });
    expect(planUpgrade([synapse("1.163.2"), postgres("15")])).toMatchObject({ changes: true, postgresMajor: true });
    expect(planUpgrade([synapse("1.170.0"), postgres(undefined)])).toMatchObject({ changes: false, postgresMajor: false });
    expect(behindPins(planUpgrade([synapse("1.161.0"), postgres("15")])).map((step) => step.component)).toEqual(["synapse", "postgres"]);
  });
});

describe("what up leaves to upgrade", () => {
  test("a PostgreSQL major and a Synapse downgrade are refused, naming mxhome upgrade", () => {
    const blockers = upgradeOnlyBlockers(planUpgrade([synapse("1.170.0"), postgres("15")]).steps);
    expect(blockers.map((blocker) => blocker.code)).toEqual(["upgrade.synapse-downgrade", "upgrade.postgres-major"]);
    expect(blockers[1]!.message).toContain("major 15");
    expect(blockers[1]!.fix).toContain("mxhome upgrade");
    expect(blockers[0]!.fix).toContain("mxhome upgrade --self");
  });

  test("forward steps, minors and Caddy are up's to take", () => {
    const caddy: ComponentVersions = { component: "caddy", deployed: "2.11.0", pinned: "2.10.2", source: "test" };
    expect(upgradeOnlyBlockers(planUpgrade([synapse("1.161.0"), postgres("17.5"), caddy]).steps)).toEqual([]);
  });
});

describe("the --check text", () => {
  test("one line per component, then what to run", () => {
    const components = [{ ...synapse("1.161.0"), running: "1.161.0" }, { ...postgres("15", "17"), running: "15.14" }, { component: "caddy", source: "caddy (your distribution's)" } as ComponentVersions];
    const text = formatDeploymentCheck({ runtime: "native", components, ...planUpgrade(components) });
    expect(text).toContain("Synapse: runs 1.161.0; deployed: 1.161.0 (test); this mxhome: 1.163.2 — would move 1.161.0 → 1.163.2");
    expect(text).toContain("PostgreSQL: runs 15.14; deployed: 15 (test); this mxhome: 17 — a major upgrade 15 → 17");
    expect(text).toContain("Caddy: not answering; deployed: - (caddy (your distribution's)) — not mxhome's to upgrade");
    expect(text).toContain("mxhome upgrade --dry-run");
    const current = [synapse("1.163.2")];
    expect(formatDeploymentCheck({ runtime: "native", components: current, ...planUpgrade(current) })).toContain("Nothing to upgrade");
  });
});

describe("doctor's versions check", () => {
  test("behind the pins warns with the command; at the pins is ok with what runs", () => {
    const behind = [{ ...synapse("1.161.0"), running: "1.161.0" }];
    expect(judgeVersions({ runtime: "native", components: behind, ...planUpgrade(behind) })).toMatchObject({
      status: "warn",
      detail: "Older than this mxhome pins: Synapse 1.161.0 → 1.163.2.",
      fix: expect.stringContaining("mxhome upgrade --check"),
    });
    const current = [{ ...synapse("1.163.2"), running: "1.163.2" }];
    expect(judgeVersions({ runtime: "native", components: current, ...planUpgrade(current) })).toMatchObject({ status: "ok", detail: expect.stringContaining("synapse 1.163.2") });
  });
});
