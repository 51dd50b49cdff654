import { describe, expect, test } from "bun:test";
import { basename } from "node:path";
import {
  compareVersions,
  listUnitKeys,
  minimumPodman,
  quadletKeyMinimumPodman,
  requiredPodmanVersion,
} from "../../../src/render/podman-keys.ts";
import { renderQuadletUnits } from "../../../src/render/quadlet.ts";
import { fixtureInputs } from "./_inputs.ts";

const units = ["funnel-host", "custom-domain", "podman-workers"].flatMap((topology) => renderQuadletUnits(fixtureInputs(topology as "funnel-host")));

describe("rendered quadlet units against the key table", () => {
  test.each(units.map((unit) => [basename(unit.path), unit.content]))("%s needs no more than minimumPodman", (_name, content) => {
    expect(compareVersions(requiredPodmanVersion(content), minimumPodman)).toBeLessThanOrEqual(0);
  });

  test("minimumPodman is not higher than the units need", () => {
    expect(units.map((unit) => requiredPodmanVersion(unit.content))).toContain(minimumPodman);
  });
});

describe("requiredPodmanVersion", () => {
  test.each([
    ["[Container]\nImage=x\nNetwork=host\n", "4.4.0"],
    ["[Container]\nImage=x\nSecret=s,type=env,target=A\n", "4.5.0"],
    ["[Container]\nImage=x\nUserNS=keep-id\n", "4.5.0"],
    ["[Container]\nImage=x\nAutoUpdate=registry\n", "4.6.0"],
    ["[Container]\nImage=x\nNotify=true\n", "4.4.0"],
    ["[Container]\nImage=x\nNotify=healthy\n", "5.0.0"],
    ["[Quadlet]\nDefaultDependencies=false\n[Container]\nImage=x\n", "4.4.0"],
    ["# comment\n; other comment\n[Unit]\nDescription=a \\\n  b\n\n[Install]\nWantedBy=default.target\n", "4.4.0"],
  ])("%j needs %s", (unit, version) => {
    expect(requiredPodmanVersion(unit)).toBe(version);
  });

  test.each([
    ["a [Container] key quadlet doesn't know", "[Container]\nImage=x\nFancy=1\n", "Container.Fancy"],
    ["a systemd key nobody listed", "[Service]\nExecStartPre=/bin/true\n", "Service.ExecStartPre"],
    ["an [Install] key quadlet ignores", "[Install]\nAlso=x.service\n", "Install.Also"],
  ])("fails on %s", (_what, unit, key) => {
    expect(() => requiredPodmanVersion(unit)).toThrow(key);
  });

  test("fails on a line outside any section", () => {
    expect(() => requiredPodmanVersion("Image=x\n")).toThrow("not a unit-file line");
  });
});

describe("compareVersions", () => {
  test.each([
    ["4.5.0", "4.5.0", 0],
    ["4.5.0", "4.6.0", -1],
    ["4.10.0", "4.9.0", 1],
    ["5.0", "5.0.0", 0],
    ["5.0.0", "4.9.9", 1],
  ])("%s vs %s", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

test("every rendered unit starts without waiting for network-online.target", () => {
  for (const unit of units) expect(listUnitKeys(unit.content)).toContainEqual({ section: "Quadlet", key: "DefaultDependencies", value: "false" });
});

test("every table version is a release at or after quadlet's first (4.4)", () => {
  for (const version of Object.values(quadletKeyMinimumPodman)) {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(compareVersions(version, "4.4.0")).toBeGreaterThanOrEqual(0);
  }
});
