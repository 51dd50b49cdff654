import { expect, test } from "bun:test";
import { hoistGlobalFlags } from "../../../src/cli.ts";

test.each([
  [["status"], ["status"]],
  [["--verbose", "status"], ["status", "--verbose"]],
  [["--json", "user", "list"], ["user", "list", "--json"]],
  [["--yes", "--config", "/c.toml", "user", "deactivate", "bob"], ["user", "deactivate", "bob", "--yes", "--config", "/c.toml"]],
  [["--verbose", "complete", "--", "space", ""], ["complete", "--verbose", "--", "space", ""]],
  [["--verbose"], ["--verbose"]],
])("%j runs as %j", (argv, hoisted) => expect(hoistGlobalFlags(argv)).toEqual(hoisted));
