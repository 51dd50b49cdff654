/**
 * Finds the line of a key in TOML text, so config errors can name it.
 * @iarna/toml reports positions only for syntax errors; the schema errors
 * (unknown key, bad value) are found by scanning table headers and keys.
 */
export function locateKey(text: string, path: readonly string[]): number | undefined {
  const lines = text.split(/\r?\n/);
  const table = path.slice(0, -1).join(".");
  const key = path[path.length - 1];
  let currentTable = "";
  let tableLine: number | undefined;
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      currentTable = (header[1] ?? "").replace(/\s*\.\s*/g, ".").replace(/"/g, "");
      if (currentTable === path.join(".")) return index + 1;
      if (currentTable === table) tableLine = index + 1;
      continue;
    }
    const assignment = /^("?)([A-Za-z0-9_.-]+)\1\s*=/.exec(line);
    if (!assignment) continue;
    const fullKey = [currentTable, assignment[2]].filter(Boolean).join(".");
    if (fullKey === path.join(".")) return index + 1;
    if (currentTable === "" && fullKey === table && key === undefined) return index + 1;
  }
  return tableLine;
}
