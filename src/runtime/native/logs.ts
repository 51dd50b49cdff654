import type { Paths } from "../../config/paths.ts";
import { logName } from "../log-sources.ts";
import type { LogSource, LogsRequest } from "../runtime.ts";
import { logSize, readLogRange, tailLog } from "./process.ts";
import { scaleLogFile } from "./scale.ts";
import { nativeLogFile } from "./services.ts";

const logFileOf = (paths: Paths, source: LogSource) => (source.kind === "service" ? nativeLogFile(paths, source.service) : scaleLogFile(paths, source.process));

/** Native logs are files; several sources are shown with a `name |` prefix on each line. */
export async function showNativeLogs(paths: Paths, request: LogsRequest, write = (text: string) => process.stdout.write(text)): Promise<void> {
  const sources = request.sources.map((source) => ({ name: logName(source), file: logFileOf(paths, source) }));
  const width = Math.max(8, ...sources.map((source) => source.name.length));
  const prefix = (name: string, text: string) => (sources.length === 1 ? text : text.replace(/^(?=.)/gm, `${name.padEnd(width)} | `));
  const offsets = new Map<string, number>();
  for (const { name, file } of sources) {
    const tail = tailLog(file, request.lines);
    if (tail) write(`${prefix(name, tail)}\n`);
    offsets.set(file, logSize(file));
  }
  while (request.follow) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const { name, file } of sources) {
      const size = logSize(file);
      const offset = offsets.get(file) ?? 0;
      // A smaller file was truncated or rotated: start again from its beginning.
      const from = size < offset ? 0 : offset;
      if (size > from) write(prefix(name, readLogRange(file, from, size)));
      offsets.set(file, size);
    }
  }
}
