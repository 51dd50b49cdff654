import { defineCommand } from "citty";
import { dryRunArg, globalArgs } from "./_shared.ts";
import { notImplemented } from "../ui/errors.ts";

export default defineCommand({
  meta: { name: "init", description: "Write mxhome.toml and render the whole deployment from it" },
  args: { ...globalArgs, ...dryRunArg },
  run() {
    throw notImplemented("init");
  },
});
