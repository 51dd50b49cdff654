import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolvePaths } from "../../../src/config/paths.ts";
import type { Config } from "../../../src/config/schema.ts";
import { convergeSpace } from "../../../src/space/converge.ts";
import { aliasFromName, checkAliasLocalpart, checkUserId, describeCreate, matrixToLink } from "../../../src/space/describe.ts";
import { roomCreateRequest, spaceCreateRequest } from "../../../src/space/plan.ts";
import { readSpaceState, requireSpaceState, resolveKickScopeRoot, spaceStateFile, writeSpaceState } from "../../../src/space/state.ts";
import { fixtureConfig } from "../doctor/_context.ts";
import { bot, policy, server, spaceId } from "./_rooms.ts";

const freshPaths = () => resolvePaths({ HOME: mkdtempSync(join(tmpdir(), "mxhome-space-state-")) });
const withScope = (scope: string): Config => {
  const config = fixtureConfig();
  return { ...config, kick: { ...config.kick, scope } };
};

describe("the Space in the state dir", () => {
  test("written 0600, read back; kick's default scope resolves to it", () => {
    const paths = freshPaths();
    expect(readSpaceState(paths)).toBeUndefined();
    expect(resolveKickScopeRoot(paths, withScope("space"))).toEqual({ kind: "missing", reason: expect.stringContaining("mxhome space create") });
    expect(() => requireSpaceState(paths)).toThrow(expect.objectContaining({ code: "space.none", exitCode: 2 }));
    writeSpaceState(paths, { spaceId, createdAt: "2026-09-01T00:00:00.000Z", rooms: { General: "!g:x" } });
    expect(statSync(spaceStateFile(paths)).mode & 0o777).toBe(0o600);
    expect(readSpaceState(paths)).toEqual({ spaceId, createdAt: "2026-09-01T00:00:00.000Z", rooms: { General: "!g:x" } });
    expect(resolveKickScopeRoot(paths, withScope("space"))).toEqual({ kind: "space", roomId: spaceId });
  });

  test("an explicit scope in mxhome.toml wins over the recorded Space", () => {
    const paths = freshPaths();
    writeSpaceState(paths, { spaceId, createdAt: "", rooms: {} });
    expect(resolveKickScopeRoot(paths, withScope("#club:example.org"))).toEqual({ kind: "configured", room: "#club:example.org" });
  });

  test.each([
    ["not JSON", "{", "is not valid JSON"],
    ["no Space id", '{"createdAt": "x"}', "names no Space id"],
  ])("a damaged file (%s) is an error saying how to repair it", (_name, text, message) => {
    const paths = freshPaths();
    mkdirSync(paths.stateDir, { recursive: true });
    writeFileSync(spaceStateFile(paths), text);
    expect(() => readSpaceState(paths)).toThrow(message);
  });
});

describe("names, links and the dry-run plan", () => {
  test.each([
    ["Family", "family"],
    ["Family & Friends", "family-friends"],
    ["Café Zürich", "cafe-zurich"],
    ["!!!", "space"],
  ])("alias from %p: %p", (name, alias) => expect(aliasFromName(name)).toBe(alias));

  test("empty names are refused before anything is read or sent", async () => {
    const request = { space: { name: "Family" }, rooms: [{ name: " ", encrypted: true }], dryRun: true };
    await expect(convergeSpace(freshPaths(), fixtureConfig(), request)).rejects.toMatchObject({ code: "space.empty-name", exitCode: 2 });
  });

  test("alias and user id checks are usage errors", () => {
    expect(checkAliasLocalpart("#family")).toBe("family");
    expect(checkAliasLocalpart("family:example.org")).toBe("family");
    expect(() => checkAliasLocalpart("Family Room")).toThrow(expect.objectContaining({ code: "space.bad-alias", exitCode: 2 }));
    expect(checkUserId("@a:b.org")).toBe("@a:b.org");
    expect(() => checkUserId("alice")).toThrow(expect.objectContaining({ code: "space.bad-user-id", exitCode: 2 }));
  });

  test("matrix.to links: the alias, else the id with this server as via", () => {
    expect(matrixToLink(spaceId, `#family:${server}`, server)).toBe(`https://matrix.to/#/#family:${server}`);
    expect(matrixToLink(spaceId, undefined, "localhost:8448")).toBe(`https://matrix.to/#/${spaceId}?via=localhost%3A8448`);
  });

  test("describeCreate says what creating does", () => {
    expect(describeCreate(spaceCreateRequest(policy(), "Family", "family"), server, bot)).toEqual([
      'create Space "Family" (room version 12)',
      "join rule: invite",
      `alias #family:${server}`,
      "history visible to members only",
      "the bot invited at power level 50",
    ]);
    expect(describeCreate(roomCreateRequest(policy(), spaceId, { name: "General", encrypted: true }), server, bot)).toEqual([
      'create room "General" (room version 12)',
      "join rule: members of the Space",
      "history visible to members only",
      "end-to-end encrypted",
      "linked to the Space",
      "the bot invited at power level 50",
    ]);
  });
});
