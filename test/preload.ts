/**
 * Loaded before every test file (bunfig.toml). Points HOME and XDG_* into a
 * throw-away directory so no test can touch the real user's files.
 */
import { afterAll } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopSharedBox } from "./support/podman-box.ts";

const sandbox = mkdtempSync(join(tmpdir(), "mxhome-test-"));
process.env.HOME = join(sandbox, "home");
process.env.XDG_CONFIG_HOME = join(sandbox, "home", ".config");
process.env.XDG_DATA_HOME = join(sandbox, "home", ".local", "share");
process.env.XDG_STATE_HOME = join(sandbox, "home", ".local", "state");
delete process.env.MXHOME_CONFIG;
process.env.NO_COLOR = "1";

// Once, after every suite of the run: the podman box suites share one boot (test/support/podman-box.ts).
afterAll(() => stopSharedBox(), 120_000);
