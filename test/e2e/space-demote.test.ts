import { expect, test } from "bun:test";
import { freshHome, runMxhome } from "../support/binary.ts";

test("space demote refuses mxhome's own accounts and the admin, exit 2, before it needs a Space or a server", () => {
  const home = freshHome();
  expect(runMxhome(["init", "--yes", "--server-name", "example.org"], { home }).exitCode).toBe(0);
  for (const [userId, code, words] of [
    ["@mxhome:example.org", "space.demote-service", "mxhome's service account"],
    ["@mxhome-bot:example.org", "space.demote-bot", "needs power level 50"],
    ["@admin:example.org", "space.demote-owner", "owns the Space"],
  ] as const) {
    // Named beside someone who may be demoted: nobody is, and nothing is read or changed.
    const refused = runMxhome(["space", "demote", "@eve:other.net", userId], { home });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`error: ${userId} is`);
    expect(refused.stderr).toContain(words);
    expect(refused.stderr).toContain("hint: ");
    const json = runMxhome(["space", "demote", userId, "--json"], { home });
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ command: "space demote", ok: false, error: { code, exitCode: 2 } });
  }
  // Anyone else gets as far as the Space: none was created here.
  const other = runMxhome(["space", "demote", "@eve:other.net"], { home });
  expect(other.exitCode).toBe(2);
  expect(other.stderr).toContain("There is no Space yet");
});
