import { readlinkSync } from "node:fs";

/**
 * isatty(3) without node:tty (~4 ms to load) or process.stdout.isTTY (builds
 * a Node stream, ~13 ms): Linux names a terminal's file descriptor
 * /dev/pts/N, /dev/ttyX or /dev/console.
 */
export function isTerminal(fd: 0 | 1 | 2): boolean {
  try {
    return /^\/dev\/(pts\/\d+|tty\w*|console)$/.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return false;
  }
}
