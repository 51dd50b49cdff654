import type { CommandDef } from "citty";

type LazyCommand = () => Promise<CommandDef<any>>;

const load = <T extends { default: CommandDef<any> }>(importer: () => Promise<T>): LazyCommand => () =>
  importer().then((module) => module.default);

/**
 * Every subcommand, loaded only when used, so `--version` and light commands
 * never pay for matrix-js-sdk or other heavy modules.
 */
export const commands = {
  init: load(() => import("./init.ts")),
  up: load(() => import("./up.ts")),
  down: load(() => import("./down.ts")),
  status: load(() => import("./status.ts")),
  purge: load(() => import("./purge.ts")),
  kick: load(() => import("./kick.ts")),
  doctor: load(() => import("./doctor.ts")),
  logs: load(() => import("./logs.ts")),
  backup: load(() => import("./backup.ts")),
  restore: load(() => import("./restore.ts")),
  space: load(() => import("./space.ts")),
  upgrade: load(() => import("./upgrade.ts")),
  user: load(() => import("./user.ts")),
  completion: load(() => import("./completion.ts")),
  complete: load(() => import("./complete.ts")),
  "catch-up": load(() => import("./catch-up.ts")),
} satisfies Record<string, LazyCommand>;

export type CommandName = keyof typeof commands;
