import type { Paths } from "../../config/paths.ts";
import type { ServiceName } from "../../render/types.ts";
import { type LogsRequest, serviceOrder } from "../runtime.ts";
import { logSize, readLogRange, tailLog } from "./process.ts";
import { nativeLogFile } from "./services.ts";

/** Native logs are files; several services are shown with a `service |` prefix on each line. */
export async function showNativeLogs(paths: Paths, request: LogsRequest, write = (text: string) => process.stdout.write(text)): Promise<void> {
  const services: ServiceName[] = request.service ? [request.service] : [...serviceOrder];
  const prefix = (service: ServiceName, text: string) =>
    services.length === 1 ? text : text.replace(/^(?=.)/gm, `${service.padEnd(8)} | `);
  const offsets = new Map<ServiceName, number>();
  for (const service of services) {
    const file = nativeLogFile(paths, service);
    const tail = tailLog(file, request.lines);
    if (tail) write(`${prefix(service, tail)}\n`);
    offsets.set(service, logSize(file));
  }
  while (request.follow) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const service of services) {
      const file = nativeLogFile(paths, service);
      const size = logSize(file);
      const offset = offsets.get(service) ?? 0;
      // A smaller file was truncated or rotated: start again from its beginning.
      const from = size < offset ? 0 : offset;
      if (size > from) write(prefix(service, readLogRange(file, from, size)));
      offsets.set(service, size);
    }
  }
}
