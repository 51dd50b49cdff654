import type { CommandDef } from "citty";
import { placeholderCommand } from "./_shared.ts";

type LazyCommand = () => Promise<CommandDef<any>>;

const load = <T extends { default: CommandDef<any> }>(importer: () => Promise<T>): LazyCommand => () =>
  importer().then((module) => module.default);
const placeholder = (name: string, description: string): LazyCommand => async () => placeholderCommand(name, description);

/**
 * Every subcommand, loaded only when used, so `--version` and light commands
 * never pay for matrix-js-sdk or other heavy modules.
 */
export const commands = {
  init: load(() => import("./init.ts")),
  up: placeholder("up", "Start or converge the homeserver to mxhome.toml"),
  down: placeholder("down", "Stop the homeserver, keeping all data"),
  status: placeholder("status", "One screen: is it up, how big, what ran, what's next"),
  purge: placeholder("purge", "Purge old history and media, dead rooms, and reclaim database space"),
  kick: placeholder("kick", "Remove members inactive for N days from the Space and its rooms"),
  doctor: placeholder("doctor", "Find what is wrong and print the command that fixes it"),
  logs: placeholder("logs", "Show service logs"),
  backup: placeholder("backup", "Write one archive that holds everything needed to restore"),
  restore: placeholder("restore", "Restore a backup archive onto this machine"),
  space: placeholder("space", "Create and guard the private, invite-only Space"),
} satisfies Record<string, LazyCommand>;

export type CommandName = keyof typeof commands;
