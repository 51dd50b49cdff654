import { defineCommand } from "citty";
import { usageError } from "../ui/errors.ts";
import { globalArgs } from "./_shared.ts";

const shells = ["bash", "zsh", "fish"] as const;

/**
 * `mxhome completion <shell>` prints the script; the script asks `mxhome
 * complete -- <words>` (./complete.ts) at each Tab. Both come from
 * @bomb.sh/tab, fed with mxhome's own command definitions.
 */
export default defineCommand({
  meta: { name: "completion", description: "Print the shell completion script for bash, zsh or fish" },
  args: {
    shell: { type: "positional", required: true, description: "bash, zsh or fish", valueHint: "bash|zsh|fish" },
    ...globalArgs,
  },
  async run({ args }) {
    if (!(shells as readonly string[]).includes(args.shell)) {
      throw usageError(`No completions for "${args.shell}".`, "completion.unknown-shell", `Choose one of: ${shells.join(", ")}.`);
    }
    const { script } = await import("@bomb.sh/tab");
    // The script calls the binary by the name it is on PATH as.
    script(args.shell, "mxhome", "mxhome");
  },
});
