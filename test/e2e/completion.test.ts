/**
 * `mxhome completion bash` from the compiled binary, loaded into a real bash
 * with bash-completion, completing as a person pressing Tab would: the
 * script calls the binary on PATH for the candidates.
 */
import { describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { freshHome, mxhomeBinary, runMxhome } from "../support/binary.ts";

/** COMPREPLY after Tab at the end of `line`, one candidate per line. */
function tab(line: string): string[] {
  const home = freshHome();
  const script = runMxhome(["completion", "bash"], { home });
  expect(script.exitCode).toBe(0);
  const program = [
    "source /usr/share/bash-completion/bash_completion",
    'eval "$MXHOME_COMPLETION"',
    `COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}`,
    'read -r -a COMP_WORDS <<< "$COMP_LINE"',
    '[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")',
    "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
    `$(complete -p mxhome | sed -E 's/.*-F ([^ ]+).*/\\1/') mxhome "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"`,
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const result = Bun.spawnSync(["bash", "--norc", "--noprofile", "-c", program], {
    env: { PATH: `${dirname(mxhomeBinary())}:${process.env.PATH}`, HOME: home, MXHOME_COMPLETION: script.stdout, NO_COLOR: "1" },
  });
  // compopt (the script's "no space"/"no file names" hints) only works during a real Tab; nothing else may complain.
  expect(result.stderr.toString().split("\n").filter((line) => line && !line.includes("compopt: not currently executing"))).toEqual([]);
  return result.stdout.toString().split("\n").map((candidate) => candidate.trim()).filter(Boolean);
}

describe("bash completion from the compiled binary", () => {
  test("a subcommand", () => {
    expect(tab("mxhome us")).toEqual(["user"]);
    expect(tab("mxhome user ").sort()).toEqual(["add", "deactivate", "list", "password"]);
  });

  test("a flag", () => {
    expect(tab("mxhome user password --keep")).toEqual(["--keep-devices"]);
  });

  test("--runtime values, from the option's own definition", () => {
    expect(tab("mxhome init --runtime ").sort()).toEqual(["native", "podman"]);
  });

  test("zsh and fish scripts too; an unknown shell is exit 2", () => {
    const home = freshHome();
    expect(runMxhome(["completion", "zsh"], { home }).stdout).toContain("#compdef mxhome");
    expect(runMxhome(["completion", "fish"], { home }).stdout).toContain("complete -c mxhome");
    expect(runMxhome(["completion", "tcsh"], { home }).exitCode).toBe(2);
  });
});
