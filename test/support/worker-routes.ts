/** A concrete request path for each of upstream's worker routes: the regexp with its wildcards filled in. */
export function sampleWorkerPath(route: string): string {
  return route
    .replace(/^\^/, "")
    .replace(/\$$/, "")
    .replace(/\(([^|)]+)(\|[^)]*)?\)/g, "$1")
    .replace(/\[\^\/\]\+/g, "!room:x.org")
    .replace(/\.\*/g, "x")
    .replace(/\(\/\|x\)/g, "/");
}
