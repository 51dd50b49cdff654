import { which } from "../../io/exec.ts";
import { MxError } from "../../ui/errors.ts";

/** Redis for Synapse workers: the distribution's redis-server, and a PING over its socket. */
export const redisInstallFix = "sudo apt install redis-server   # Debian/Ubuntu; Fedora: sudo dnf install redis; Arch: sudo pacman -S redis";

/** redis-server from PATH; a missing one is an error with the install command. */
export function findRedisServer(): string {
  const found = which("redis-server");
  if (found) return found;
  throw new MxError("redis-server was not found on PATH: Synapse workers ([scale] workers in mxhome.toml) need Redis to talk to each other.", {
    code: "native.redis-missing",
    hint: `${redisInstallFix}; then run \`mxhome up\` (or set [scale] workers = "off").`,
  });
}

/** Whether Redis answers PING on its socket with +PONG. */
export async function redisAnswers(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  const { createConnection } = await import("node:net");
  return new Promise((resolve) => {
    let reply = "";
    const socket = createConnection(socketPath);
    const finish = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => {
      reply += data.toString();
      if (reply.includes("\r\n")) {
        clearTimeout(timer);
        finish(reply.startsWith("+PONG"));
      }
    });
    socket.on("error", () => {
      clearTimeout(timer);
      finish(false);
    });
  });
}

