import { createInterface } from "node:readline/promises";

/**
 * Questions on the terminal, one typed line each, asked on stderr so stdout stays data (a `--json`
 * document, a report piped elsewhere). Not consola's prompts: they draw on stdout, and under Bun its
 * text prompt echoes what is typed twice and returns its default or undefined, never the answer
 * (bombshell-dev/clack#159; still so with Bun 1.4.5 and consola 3.4.2).
 */
async function readAnswer(prompt: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await lines.question(prompt)).trim();
  } finally {
    lines.close();
  }
}

/** One line; Enter alone takes `fallback`, and with no fallback the question is asked again. */
export async function askLine(question: string, fallback?: string): Promise<string> {
  for (;;) {
    const answer = await readAnswer(fallback ? `${question} [${fallback}] ` : `${question} `);
    if (answer) return answer;
    if (fallback) return fallback;
  }
}

/** Pure: which choice an answer names — the choice itself (any case) or its number from 1; undefined for anything else. */
export function matchChoice<T extends string>(answer: string, choices: readonly T[]): T | undefined {
  const typed = answer.trim().toLowerCase();
  return choices.find((choice) => choice.toLowerCase() === typed) ?? (/^\d+$/.test(typed) ? choices[Number(typed) - 1] : undefined);
}

/** One of `choices`, typed by name or number; Enter alone takes `fallback`; anything else asks again. */
export async function askChoice<T extends string>(question: string, choices: readonly T[], fallback: T): Promise<T> {
  const listed = choices.map((choice, index) => `${index + 1}) ${choice}`).join("  ");
  for (;;) {
    const chosen = matchChoice(await askLine(`${question} ${listed}`, fallback), choices);
    if (chosen) return chosen;
  }
}

/** Pure: yes or no from a typed answer, `fallback` for Enter alone, undefined for anything else. */
export function matchYesNo(answer: string, fallback: boolean): boolean | undefined {
  const typed = answer.trim().toLowerCase();
  if (typed === "") return fallback;
  if (typed === "y" || typed === "yes") return true;
  if (typed === "n" || typed === "no") return false;
  return undefined;
}

/** A yes/no question; Enter alone takes `fallback` (no, unless said otherwise). */
export async function askYesNo(question: string, fallback = false): Promise<boolean> {
  for (;;) {
    const answer = matchYesNo(await readAnswer(`${question} ${fallback ? "[Y/n]" : "[y/N]"} `), fallback);
    if (answer !== undefined) return answer;
  }
}
