import { describe, expect, test } from "bun:test";
import { confirmedApplyCommand, type KickFlags, parseKickOptions } from "../../../src/kick/options.ts";
import { ExitCode, MxError } from "../../../src/ui/errors.ts";

const now = Date.parse("2030-01-01T00:00:00Z");

describe("parseKickOptions", () => {
  test.each<[string, KickFlags, object]>([
    ["no flags: a preview", {}, { mode: "preview", revokeInvites: false, dryRun: false }],
    ["--observe", { observe: true }, { mode: "observe" }],
    ["--apply", { apply: true }, { mode: "apply" }],
    ["--apply --dry-run is the preview", { apply: true, "dry-run": true }, { mode: "preview", dryRun: true }],
    ["--setup --dry-run", { setup: true, "dry-run": true }, { mode: "setup", dryRun: true }],
    ["--as-of a date", { "as-of": "2030-02-01" }, { mode: "preview", asOf: Date.parse("2030-02-01") }],
    ["--as-of a time with zone", { apply: true, "as-of": "2030-02-01T12:00:00+02:00" }, { mode: "apply", asOf: Date.parse("2030-02-01T10:00:00Z") }],
    ["--as-of a minute ago is tolerated", { "as-of": new Date(now - 60_000).toISOString() }, { asOf: now - 60_000 }],
    ["--max", { apply: true, max: "3" }, { mode: "apply", max: 3 }],
    ["--max 0", { apply: true, max: "0" }, { max: 0 }],
    ["--revoke-invites", { "revoke-invites": true }, { revokeInvites: true }],
  ])("%s", (_name, flags, expected) => {
    expect(parseKickOptions(flags, now)).toMatchObject(expected);
  });

  test.each<[string, KickFlags, string]>([
    ["two modes", { observe: true, apply: true }, "usage.kick-modes"],
    ["--setup with --apply", { setup: true, apply: true }, "usage.kick-modes"],
    ["an unparsable --as-of", { "as-of": "next tuesday" }, "usage.kick-as-of"],
    ["--as-of in the past", { "as-of": "2029-12-01" }, "usage.kick-as-of"],
    ["--max not a number", { max: "lots" }, "usage.kick-max"],
    ["--max negative", { max: "-1" }, "usage.kick-max"],
    ["--max fractional", { max: "1.5" }, "usage.kick-max"],
    ["--observe with --as-of", { observe: true, "as-of": "2030-02-01" }, "usage.kick-flags"],
    ["--setup with --max", { setup: true, max: "2" }, "usage.kick-flags"],
    ["--observe --dry-run", { observe: true, "dry-run": true }, "usage.kick-flags"],
  ])("%s is a usage error", (_name, flags, code) => {
    let error: unknown;
    try {
      parseKickOptions(flags, now);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MxError);
    expect((error as MxError).code).toBe(code);
    expect((error as MxError).exitCode).toBe(ExitCode.usage);
  });
});

test.each<[KickFlags, string]>([
  [{ apply: true }, "mxhome kick --apply --yes"],
  [{ apply: true, "as-of": "2030-03-01", max: "2" }, "mxhome kick --apply --as-of 2030-03-01 --max 2 --yes"],
  [{ apply: true, "revoke-invites": true }, "mxhome kick --apply --revoke-invites --yes"],
])("confirming %j off a terminal: %s", (flags, command) => expect(confirmedApplyCommand(flags)).toBe(command));
