/**
 * Global boolean flags that may also appear before the subcommand name. Its
 * own module, not `_shared.ts`: the CLI entry imports it, and `_shared.ts`
 * pulls in the TOML parser and consola, which `--version` must not load.
 */
export const hoistableFlags = ["--verbose", "--yes", "--allow-root", "--json"];
