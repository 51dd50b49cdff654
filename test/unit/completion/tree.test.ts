import { expect, test } from "bun:test";
import { defineCommand } from "citty";
import { choiceConfig, choicesOf } from "../../../src/completion/tree.ts";

test("choices come from a valueHint that lists them; other hints complete nothing", () => {
  expect(choicesOf("podman|native")).toEqual(["podman", "native"]);
  expect(choicesOf("file")).toBeUndefined();
  expect(choicesOf("@user:server…")).toBeUndefined();
  expect(choicesOf(undefined)).toBeUndefined();
});

test("the tree gets handlers for options and positionals with choices, through lazy subcommands", async () => {
  const leaf = defineCommand({
    meta: { name: "leaf", description: "x" },
    args: { runtime: { type: "string", valueHint: "a|b" }, shell: { type: "positional", valueHint: "bash|zsh" }, file: { type: "string", valueHint: "file" } },
  });
  const config = await choiceConfig(defineCommand({ meta: { name: "root", description: "x" }, subCommands: { leaf: () => Promise.resolve(leaf) } }));
  const collect = (handler: ((complete: (value: string, description: string) => void) => void) | undefined) => {
    const values: string[] = [];
    handler?.((value) => values.push(value));
    return values;
  };
  expect(collect(config.subCommands?.leaf?.options?.runtime)).toEqual(["a", "b"]);
  expect(collect(config.subCommands?.leaf?.args?.shell)).toEqual(["bash", "zsh"]);
  expect(config.subCommands?.leaf?.options?.file).toBeUndefined();
});
