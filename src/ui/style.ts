import { isTerminal } from "./terminal.ts";

/** Colour and icons: plain ASCII words when NO_COLOR is set or the output (stdout, else stderr) is not a terminal. */
export function colorEnabled(fd: 1 | 2 = 1): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR) return true;
  return isTerminal(fd) && process.env.TERM !== "dumb";
}

const asciiPunctuation: Record<string, string> = {
  "…": "...",
  "→": "->",
  "—": "-",
  "–": "-",
  "−": "-",
  "·": "-",
  "≥": ">=",
  "≤": "<=",
  "±": "+/-",
  "×": "x",
  "‘": "'",
  "’": "'",
  "“": '"',
  "”": '"',
};

/** Plain ASCII for output off a terminal: punctuation spelled out, accents dropped (é → e), anything else "?". */
export function toAscii(text: string): string {
  return text
    .replace(/[^\x00-\x7f]/g, (char) => asciiPunctuation[char] ?? char)
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x00-\x7f]/gu, "?");
}

export type Status = "ok" | "info" | "warn" | "fail" | "skip";

const plainIcons: Record<Status, string> = { ok: "OK", info: "INFO", warn: "WARN", fail: "FAIL", skip: "SKIP" };
const fancyIcons: Record<Status, string> = {
  ok: "\x1b[32m✔\x1b[0m",
  info: "\x1b[36mℹ\x1b[0m",
  warn: "\x1b[33m⚠\x1b[0m",
  fail: "\x1b[31m✖\x1b[0m",
  skip: "\x1b[90m–\x1b[0m",
};

export function statusIcon(status: Status, color = colorEnabled()): string {
  return color ? fancyIcons[status] : plainIcons[status];
}

export function bold(text: string, color = colorEnabled()): string {
  return color ? `\x1b[1m${text}\x1b[0m` : text;
}

export function dim(text: string, color = colorEnabled()): string {
  return color ? `\x1b[90m${text}\x1b[0m` : text;
}

/** Left-aligned columns for human tables. */
export function formatTable(rows: string[][], gap = "  "): string {
  const visibleLength = (cell: string) => cell.replace(/\x1b\[[0-9;]*m/g, "").length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell))))
        .join(gap)
        .trimEnd(),
    )
    .join("\n");
}
