import { expect, test } from "bun:test";
import { serverNameChangeError } from "../../../src/accounts/server-name-in-use.ts";

const paths = { configFile: "/h/.config/mxhome/mxhome.toml", dataDir: "/h/.local/share/mxhome", stateDir: "/h/.local/state/mxhome" };

test.each([
  [undefined, "pc.ts.net", false],
  ["pc.ts.net", "pc.ts.net", false],
  ["localhost:8448", "localhost:8448", false],
  ["pc.ts.net", "other.ts.net", true],
  ["localhost:8448", "localhost", true],
])("accounts made as %p, server_name %p: refused %p", (inUse, serverName, refused) => {
  const error = serverNameChangeError(inUse, serverName, paths);
  expect(error !== undefined).toBe(refused);
  if (error) {
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe("config.server-name-changed");
    expect(error.hint).toContain(`server_name = "${inUse}"`);
    expect(error.hint).toContain(paths.configFile);
  }
});
