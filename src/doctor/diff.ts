/**
 * A small unified diff (longest common subsequence on lines) for showing a
 * hand edit of a managed file. Managed files are a few hundred lines at most.
 */
type Edit = { kind: " " | "-" | "+"; line: string };

function editScript(before: string[], after: string[]): Edit[] {
  const rows = before.length;
  const columns = after.length;
  // lcs[i][j]: length of the LCS of before[i..] and after[j..]
  const lcs = Array.from({ length: rows + 1 }, () => new Uint32Array(columns + 1));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = columns - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < rows || j < columns) {
    if (i < rows && j < columns && before[i] === after[j]) {
      edits.push({ kind: " ", line: before[i++]! });
      j++;
    } else if (i < rows && (j === columns || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      edits.push({ kind: "-", line: before[i++]! });
    } else {
      edits.push({ kind: "+", line: after[j++]! });
    }
  }
  return edits;
}

/** Unified diff lines (`--- a`, `+++ b`, `@@ … @@`, ±lines) with `context` lines around each change; empty when equal. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string[] {
  if (before === after) return [];
  const edits = editScript(before.split("\n"), after.split("\n"));
  const changed = edits.map((edit, index) => (edit.kind === " " ? -1 : index)).filter((index) => index >= 0);
  const output = [`--- ${labels.before}`, `+++ ${labels.after}`];
  let start = 0;
  while (start < changed.length) {
    let end = start;
    while (end + 1 < changed.length && changed[end + 1]! - changed[end]! <= 2 * context + 1) end++;
    const from = Math.max(0, changed[start]! - context);
    const to = Math.min(edits.length - 1, changed[end]! + context);
    const hunk = edits.slice(from, to + 1);
    const oldStart = edits.slice(0, from).filter((edit) => edit.kind !== "+").length + 1;
    const newStart = edits.slice(0, from).filter((edit) => edit.kind !== "-").length + 1;
    const oldCount = hunk.filter((edit) => edit.kind !== "+").length;
    const newCount = hunk.filter((edit) => edit.kind !== "-").length;
    output.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...hunk.map((edit) => `${edit.kind}${edit.line}`));
    start = end + 1;
  }
  return output;
}
