import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { freshHome, mxhomeBinary } from "../support/binary.ts";

/**
 * `mxhome init` on a terminal, as a person runs it first: the compiled binary on a pseudo-terminal
 * (util-linux `script`), answering each question once it is asked.
 */
async function onTerminal(
  args: string[],
  home: string,
  answers: { after: string; type: string }[],
  options: { stdoutTo?: string } = {},
): Promise<{ exitCode: number; screen: string }> {
  // With stdoutTo, stdout goes to that file (as in `mxhome init --json > init.json`); stdin and stderr stay the terminal.
  const command = [mxhomeBinary(), ...args].map((word) => `'${word}'`).join(" ") + (options.stdoutTo ? ` > '${options.stdoutTo}'` : "");
  // As runMxhome does: everything derives from HOME.
  const env: Record<string, string | undefined> = { ...process.env, HOME: home, NO_COLOR: "1", TERM: "xterm" };
  for (const key of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "MXHOME_CONFIG", "CI"]) delete env[key];
  const child = Bun.spawn(["script", "--quiet", "--return", "--command", command, "/dev/null"], {
    cwd: home,
    env,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let screen = "";
  const reader = (async () => {
    for await (const chunk of child.stdout) screen += new TextDecoder().decode(chunk);
  })();
  for (const answer of answers) {
    const deadline = Date.now() + 15_000;
    while (!screen.includes(answer.after) && Date.now() < deadline) await Bun.sleep(50);
    expect(screen).toContain(answer.after);
    child.stdin.write(answer.type);
    await child.stdin.flush();
    await Bun.sleep(200);
  }
  const exitCode = await child.exited;
  await reader;
  return { exitCode, screen };
}

test("interactive init takes the server name and admin name typed on the terminal", async () => {
  const home = freshHome();
  const { exitCode, screen } = await onTerminal(["init", "--runtime", "native"], home, [
    { after: "Server name", type: "pc.typed1234.ts.net\r" },
    { after: "admin account's name", type: "carol\r" },
  ]);
  expect(screen).not.toContain("--server-name is required");
  expect(exitCode).toBe(0);
  const { config } = parseConfig(readFileSync(resolvePaths({ HOME: home }).configFile, "utf8"));
  expect(config?.server.server_name).toBe("pc.typed1234.ts.net");
  expect(config?.server.admin_user).toBe("carol");
}, 60_000);

test("Enter alone takes the default admin name", async () => {
  const home = freshHome();
  const { exitCode } = await onTerminal(["init", "--runtime", "native"], home, [
    { after: "Server name", type: "pc.typed1234.ts.net\r" },
    { after: "[admin]", type: "\r" },
  ]);
  expect(exitCode).toBe(0);
  const { config } = parseConfig(readFileSync(resolvePaths({ HOME: home }).configFile, "utf8"));
  expect(config?.server.admin_user).toBe("admin");
}, 60_000);

test("init --json with stdout in a file asks on the terminal (stderr) and leaves one JSON document in the file", async () => {
  const home = freshHome();
  const out = join(home, "init.json");
  const { exitCode, screen } = await onTerminal(
    ["init", "--json"],
    home,
    [
      { after: "Server name", type: "pc.typed1234.ts.net\r" },
      { after: "admin account's name", type: "\r" },
      { after: "Run the services with:", type: "2\r" },
    ],
    { stdoutTo: out },
  );
  expect(exitCode).toBe(0);
  expect(screen).toContain("1) podman  2) native");
  const report = JSON.parse(readFileSync(out, "utf8")); // the questions are not in it
  expect(report).toMatchObject({ schemaVersion: 1, command: "init" });
  const { config } = parseConfig(readFileSync(resolvePaths({ HOME: home }).configFile, "utf8"));
  expect(config?.server.server_name).toBe("pc.typed1234.ts.net");
  expect(config?.runtime.kind).toBe("native");
}, 60_000);
