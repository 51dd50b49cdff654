import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import overridesTemplate from "../../../templates/homeserver.overrides.yaml" with { type: "text" };
import { judgeConfig } from "../../../src/doctor/checks/config/config-valid.ts";
import { judgeCollation } from "../../../src/doctor/checks/config/database-collation.ts";
import { judgeFileModes } from "../../../src/doctor/checks/config/file-modes.ts";
import { judgeSynapseConfig } from "../../../src/doctor/checks/config/homeserver-safety.ts";
import { judgeRenderedFiles } from "../../../src/doctor/checks/config/rendered-files.ts";
import { judgeSecrets, type SecretObservation, signingKeyShape } from "../../../src/doctor/checks/config/secrets.ts";
import { unifiedDiff } from "../../../src/doctor/diff.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import { renderInputsFor } from "../../../src/render/index.ts";
import { renderSynapseFiles } from "../../../src/render/synapse.ts";
import { generateSigningKey } from "../../../src/secrets/generate.ts";
import { expectVerdict, fixtureConfig } from "./_context.ts";

const paths = resolvePaths({ HOME: "/home/alice" });

describe("config-valid", () => {
  test.each([
    [{ state: "ok", problems: [] }, "ok"],
    [{ state: "missing", problems: [] }, "fail"],
    [{ state: "unreadable", problems: ["EACCES: permission denied"] }, "fail"],
    [{ state: "invalid", problems: ["/x/mxhome.toml:3: unknown key \"sever_name\" in [server]; did you mean \"server_name\"?"] }, "fail"],
  ] as const)("%j", (load, status) => {
    const verdict = judgeConfig({ file: "/x/mxhome.toml", ...load, problems: [...load.problems] });
    expectVerdict(verdict, status);
    if (load.state === "invalid") expect(verdict.details).toEqual([...load.problems]);
  });
});

describe("rendered files", () => {
  const file = (action: "create" | "update" | "unchanged" | "edited", actual?: string) => ({ path: `/d/${action}`, action, expected: "a\nb\nc\n", actual });
  test.each([
    ["all in sync", [file("unchanged", "a\nb\nc\n")], "ok"],
    ["mxhome.toml changed", [file("unchanged", "a\nb\nc\n"), file("update", "a\nB\nc\n")], "warn"],
    ["missing", [file("create")], "fail"],
    ["hand-edited", [file("edited", "a\nb\nEDITED\nc\n")], "fail"],
  ] as const)("%s", (_name, files, status) => {
    const verdict = judgeRenderedFiles([...files], paths.synapseOverridesFile);
    expectVerdict(verdict, status);
    if (status === "fail" && _name === "hand-edited") {
      expect(verdict.fix).toContain("mxhome up --force");
      expect(verdict.details).toContain("+EDITED");
    }
  });

  test("unified diff", () => {
    expect(unifiedDiff("a\nb\nc\n", "a\nb\nc\n", { before: "x", after: "y" })).toEqual([]);
    expect(unifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n", { before: "old", after: "new" }, 1)).toEqual([
      "--- old",
      "+++ new",
      "@@ -4,3 +4,3 @@",
      " 4",
      "-5",
      "+FIVE",
      " 6",
    ]);
    const twoHunks = unifiedDiff("a\n1\n2\n3\n4\n5\n6\n7\n8\nz\n", "A\n1\n2\n3\n4\n5\n6\n7\n8\nZ\n", { before: "o", after: "n" }, 1);
    expect(twoHunks.filter((line) => line.startsWith("@@"))).toEqual(["@@ -1,2 +1,2 @@", "@@ -9,3 +9,3 @@"]);
  });
});

describe("secrets", () => {
  const stat = (size = 44) => ({ mode: 0o600, uid: 1000, size, isDirectory: false });
  const all = (overrides: Partial<Record<string, Partial<SecretObservation>>> = {}): SecretObservation[] =>
    (Object.keys(paths.secrets) as (keyof typeof paths.secrets)[]).map((name) => ({
      name,
      file: paths.secrets[name],
      stat: stat(),
      ...(name === "signingKey" ? { wellFormed: true } : {}),
      ...overrides[name],
    }));
  test.each([
    ["all present", all(), "ok", undefined],
    ["form secret missing", all({ formSecret: { stat: undefined } }), "fail", /form_secret/],
    ["empty password", all({ postgresPassword: { stat: stat(0) } }), "fail", /postgres_password/],
    ["signing key lost", all({ signingKey: { stat: undefined } }), "fail", /new identity/],
    ["signing key damaged", all({ signingKey: { wellFormed: false } }), "fail", /not a Synapse signing key/],
  ] as const)("%s", (_name, secrets, status, detail) => expectVerdict(judgeSecrets(secrets), status, detail));

  test("the shape matches what init generates", () => expect(generateSigningKey().trim()).toMatch(signingKeyShape));
});

describe("file modes", () => {
  const item = (path: string, kind: "file" | "dir", mode: number, uid = 1000) => ({ path, kind, stat: { mode, uid, size: 1, isDirectory: kind === "dir" } });
  test.each([
    ["private", [item("/s", "dir", 0o700), item("/s/k", "file", 0o600), item("/s/r", "file", 0o400)], "ok", undefined],
    ["world-readable secret", [item("/s", "dir", 0o700), item("/s/k", "file", 0o644)], "fail", "chmod 600 /s/k"],
    ["group-readable dir", [item("/s", "dir", 0o750), item("/s/k", "file", 0o600)], "fail", "chmod 700 /s"],
    ["someone else's", [item("/s", "dir", 0o700), item("/s/k", "file", 0o600, 0)], "fail", "sudo chown $USER: /s/k"],
  ] as const)("%s", (_name, items, status, fix) => {
    const verdict = judgeFileModes({ uid: 1000, items: [...items] });
    expectVerdict(verdict, status);
    if (fix) expect(verdict.fix).toContain(fix);
  });
});

describe("homeserver.yaml safety", () => {
  const rendered = renderSynapseFiles(renderInputsFor(fixtureConfig(), paths, "/usr/local/bin/mxhome")).find((file) => file.path.endsWith("homeserver.yaml"))!;
  const main = parse(rendered.content) as Record<string, unknown>;
  const judge = (overrides: Record<string, unknown> | undefined, mainOverride = main) =>
    judgeSynapseConfig({ mainFile: "/d/homeserver.yaml", overridesFile: paths.synapseOverridesFile, main: mainOverride, overrides });

  test("mxhome's own homeserver.yaml with the untouched overrides file is safe", () => {
    expectVerdict(judge(parse(overridesTemplate)), "ok");
  });

  test.each([
    ["open registration", { enable_registration: true }, "fail", /registration is open/],
    ["a public listener", { listeners: [{ port: 8008, type: "http", bind_addresses: ["0.0.0.0"], resources: [{ names: ["client"] }] }] }, "fail", /binds 0\.0\.0\.0/],
    ["a listener with Synapse's default addresses", { listeners: [{ port: 8008, type: "http" }] }, "fail", /binds ::, 0\.0\.0\.0/],
    ["the guide's password_file", { database: { name: "psycopg2", args: { user: "synapse", password_file: "/run/secrets/pg_password" } } }, "fail", /password_file/],
    ["SQLite", { database: { name: "sqlite3", args: { database: "/data/homeserver.db" } } }, "fail", /sqlite3/],
    ["retention off", { retention: { enabled: false } }, "warn", /kept forever/],
    ["no media retention", { media_retention: {} }, "warn", /media retention/],
  ] as const)("%s in the overrides", (_name, overrides, status, detail) => {
    const verdict = judge(overrides);
    expectVerdict(verdict, status, detail);
    expect(verdict.fix).toContain(paths.synapseOverridesFile);
  });

  test("listeners that are not a list leave the judging to Synapse, instead of crashing the check", () => {
    expectVerdict(judge({ listeners: "not-a-list" }), "ok");
  });

  test("a hand edit in homeserver.yaml itself points at `mxhome up --force`", () => {
    const verdict = judge({}, { ...main, enable_registration: true });
    expectVerdict(verdict, "fail", /registration is open/);
    expect(verdict.fix).toContain("mxhome up --force");
  });

  test("unparseable or missing files", () => {
    expectVerdict(judgeSynapseConfig({ mainFile: "/m", overridesFile: "/o", main, overrides: undefined, parseError: { file: "/o", message: "bad indentation" } }), "fail", /not valid YAML/);
    expectVerdict(judgeSynapseConfig({ mainFile: "/m", overridesFile: "/o", main: undefined, overrides: undefined }), "fail", /missing/);
  });
});

describe("database collation", () => {
  test.each([
    [{ reachable: true, collate: "C", ctype: "C", encoding: "UTF8" }, "ok"],
    // What postgres:16-alpine initialises without POSTGRES_INITDB_ARGS (reproduced).
    [{ reachable: true, collate: "en_US.utf8", ctype: "en_US.utf8", encoding: "UTF8" }, "fail"],
    [{ reachable: true, collate: "C.UTF-8", ctype: "C.UTF-8", encoding: "UTF8" }, "fail"],
  ] as const)("%j", (observation, status) => expectVerdict(judgeCollation(observation), status));
});
