import { type CommandDef, defineCommand } from "citty";

/**
 * What the completion script runs at each Tab: `mxhome complete -- <words>`
 * prints the candidates (@bomb.sh/tab's protocol). Hidden from --help.
 */
export default defineCommand({
  meta: { name: "complete", description: "Completion candidates for the shell script (internal)", hidden: true },
  async run({ rawArgs }) {
    const [{ default: tab }, { default: t }, { commands }, { choiceConfig }] = await Promise.all([
      import("@bomb.sh/tab/citty"),
      import("@bomb.sh/tab"),
      import("./index.ts"),
      import("../completion/tree.ts"),
    ]);
    const { complete: _self, ...visible } = commands;
    const root: CommandDef<any> = { meta: { name: "mxhome", description: "mxhome" }, subCommands: { ...visible } };
    await tab(root, await choiceConfig(root));
    t.parse(rawArgs.slice(rawArgs.indexOf("--") + 1));
  },
});
