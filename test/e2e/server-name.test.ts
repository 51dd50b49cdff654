import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolvePaths } from "../../src/config/paths.ts";
import { credentialsFile } from "../../src/accounts/credentials.ts";
import { freshHome, runMxhome } from "../support/binary.ts";

const serverName = "pc.tail1234.ts.net";

/** A HOME after `init` and a first `up`: the first `up` records mxhome's service account (made under the server name) in credentials/service.json. */
function homeWithAccounts(): { home: string; paths: ReturnType<typeof resolvePaths> } {
  const home = freshHome();
  expect(runMxhome(["init", "--yes", "--runtime", "native", "--server-name", serverName], { home }).exitCode).toBe(0);
  const paths = resolvePaths({ HOME: home });
  mkdirSync(paths.credentialsDir, { recursive: true, mode: 0o700 });
  writeFileSync(credentialsFile(paths, "service"), JSON.stringify({ userId: `@mxhome:${serverName}`, password: "x".repeat(32) }), { mode: 0o600 });
  return { home, paths };
}

describe("a server's name never changes once its accounts exist (compiled binary)", () => {
  test("init --force --server-name refuses, exit 2, and changes nothing", () => {
    const { home, paths } = homeWithAccounts();
    const before = readFileSync(paths.configFile, "utf8");
    const homeserverYaml = readFileSync(`${paths.synapseDir}/homeserver.yaml`, "utf8");
    const refused = runMxhome(["init", "--yes", "--force", "--server-name", "other.tail1234.ts.net"], { home });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`its accounts were made as ${serverName}`);
    expect(refused.stderr).toContain(`Keep server_name = "${serverName}"`);
    expect(readFileSync(paths.configFile, "utf8")).toBe(before);
    expect(readFileSync(`${paths.synapseDir}/homeserver.yaml`, "utf8")).toBe(homeserverYaml);
  });

  test("up (and up --dry-run) on an edited server_name refuses before touching anything, exit 2", () => {
    const { home, paths } = homeWithAccounts();
    writeFileSync(paths.configFile, readFileSync(paths.configFile, "utf8").replace(`server_name = "${serverName}"`, 'server_name = "other.tail1234.ts.net"'));
    const homeserverYaml = readFileSync(`${paths.synapseDir}/homeserver.yaml`, "utf8");
    for (const args of [["up", "--dry-run"], ["up"]]) {
      const refused = runMxhome(args, { home });
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain('server_name "other.tail1234.ts.net" is not this server\'s name');
      expect(refused.stderr).toContain(paths.configFile);
    }
    expect(readFileSync(`${paths.synapseDir}/homeserver.yaml`, "utf8")).toBe(homeserverYaml);
  });

  test("the same name, and a fresh HOME, go through", () => {
    const { home } = homeWithAccounts();
    expect(runMxhome(["init", "--yes", "--force", "--server-name", serverName], { home }).exitCode).toBe(0);
    expect(runMxhome(["init", "--yes", "--server-name", "other.tail1234.ts.net"], { home: freshHome() }).exitCode).toBe(0);
  });
});
