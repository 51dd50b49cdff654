import { describe, expect, test } from "bun:test";
import { aliasCandidates } from "../../../src/space/describe.ts";
import { judgeInvitee } from "../../../src/space/invite.ts";

describe("judgeInvitee", () => {
  const account = { name: "@alice:home.org", admin: false, deactivated: false };
  test("a local account that exists: go ahead", () => {
    expect(judgeInvitee("@alice:home.org", { kind: "local", user: account })).toEqual({});
  });
  test("a local account that does not exist, or is deactivated: refused", () => {
    expect(judgeInvitee("@nobody:home.org", { kind: "local", user: undefined })).toEqual({ refusal: "@nobody:home.org has no account on this server" });
    expect(judgeInvitee("@alice:home.org", { kind: "local", user: { ...account, deactivated: true } })).toEqual({ refusal: "@alice:home.org is deactivated" });
  });
  test("remote: devices known is fine; none or no answer is only a warning", () => {
    expect(judgeInvitee("@bob:other.org", { kind: "remote", answer: "devices" })).toEqual({});
    expect(judgeInvitee("@bob:other.org", { kind: "remote", answer: "no-devices" }).warning).toBe("other.org knows no device of @bob:other.org: no such account, or it never signed in; check the spelling");
    expect(judgeInvitee("@bob:other.org:8448", { kind: "remote", answer: "unreachable", detail: "connection refused" }).warning).toBe("could not check @bob:other.org:8448: other.org:8448 did not answer (connection refused)");
    expect(judgeInvitee("@bob:other.org", { kind: "remote", answer: "unreachable" }).refusal).toBeUndefined();
  });
});

describe("aliasCandidates", () => {
  test("the slug, then numbered", () => {
    expect([...aliasCandidates("general", 4)]).toEqual(["general", "general-2", "general-3", "general-4"]);
  });
});
