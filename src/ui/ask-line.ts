import { createInterface } from "node:readline/promises";

/**
 * Asks for one line on the terminal (echoed, on stderr so stdout stays data); Enter alone takes
 * `fallback`, and with no fallback the question is asked again. Not consola's text prompt: under Bun
 * it echoes what is typed twice and returns its default or undefined, never the answer
 * (bombshell-dev/clack#159; still so with Bun 1.4.5 and consola 3.4.2).
 */
export async function askLine(question: string, fallback?: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const answer = (await lines.question(fallback ? `${question} [${fallback}] ` : `${question} `)).trim();
      if (answer) return answer;
      if (fallback) return fallback;
    }
  } finally {
    lines.close();
  }
}
