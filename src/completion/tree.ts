import type { ArgsDef, CommandDef } from "citty";

/**
 * Pure: the values a shell may complete for an option or positional, read
 * from the command definitions themselves. An argument whose `valueHint`
 * lists its choices (`podman|native`) completes to them; anything else
 * (`file`, `name`) is left to the shell.
 */
export function choicesOf(valueHint: string | undefined): string[] | undefined {
  return valueHint && /^[a-z0-9-]+(\|[a-z0-9-]+)+$/.test(valueHint) ? valueHint.split("|") : undefined;
}

type Complete = (value: string, description: string) => void;
type Handler = (complete: Complete) => void;

/** @bomb.sh/tab's per-command completion config (its CompletionConfig shape). */
export interface ChoiceConfig {
  subCommands?: Record<string, ChoiceConfig>;
  options?: Record<string, Handler>;
  args?: Record<string, Handler>;
}

const resolve = async <T>(value: T | (() => T | Promise<T>) | Promise<T>): Promise<T> => (typeof value === "function" ? (value as () => T)() : value);

/** Walks the command tree and gives every argument with choices its completion handler. */
export async function choiceConfig(command: CommandDef<any>): Promise<ChoiceConfig> {
  const config: ChoiceConfig = {};
  const args: ArgsDef = (await resolve(command.args)) ?? {};
  for (const [name, def] of Object.entries(args)) {
    const choices = choicesOf("valueHint" in def ? def.valueHint : undefined);
    if (!choices) continue;
    const handler: Handler = (complete) => choices.forEach((choice) => complete(choice, ""));
    if (def.type === "positional") (config.args ??= {})[name] = handler;
    else (config.options ??= {})[name] = handler;
  }
  const subCommands = (await resolve(command.subCommands)) as Record<string, CommandDef<any> | (() => Promise<CommandDef<any>>)> | undefined;
  for (const [name, sub] of Object.entries(subCommands ?? {})) {
    (config.subCommands ??= {})[name] = await choiceConfig(await resolve(sub));
  }
  return config;
}
