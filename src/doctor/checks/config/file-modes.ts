import { join } from "node:path";
import type { FactScope } from "../../facts/index.ts";
import type { FileStat } from "../../io.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

/** A file or directory that must be private to the user, with its observed state. */
export interface PrivatePath {
  path: string;
  kind: "file" | "dir";
  stat: FileStat | undefined;
}

export interface PrivatePaths {
  uid: number;
  items: PrivatePath[];
}

export function gatherPrivatePaths({ paths, io }: FactScope): PrivatePaths {
  const entry = (path: string, kind: PrivatePath["kind"]): PrivatePath => ({ path, kind, stat: io.stat(path) });
  const inside = (dir: string) => (io.listDir(dir) ?? []).filter((name) => !name.startsWith(".")).map((name) => entry(join(dir, name), "file"));
  const items = [
    entry(paths.secretsDir, "dir"),
    ...Object.values(paths.secrets).map((file) => entry(file, "file")),
    entry(paths.credentialsDir, "dir"),
    ...inside(paths.credentialsDir).filter((file) => file.stat && !file.stat.isDirectory),
  ].filter((item) => item.stat !== undefined);
  return { uid: io.user.uid, items };
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Files must be 0600 (or stricter) and dirs 0700, both owned by the user: libpq even ignores a looser passfile. */
export function judgeFileModes({ uid, items }: PrivatePaths): Verdict {
  const loose = items.filter((item) => (item.stat!.mode & 0o077) !== 0);
  const foreign = items.filter((item) => item.stat!.uid !== uid);
  if (loose.length === 0 && foreign.length === 0) return ok(`${items.length} secret and credential paths are private (files 0600, directories 0700)`);
  const commands: string[] = [];
  const files = loose.filter((item) => item.kind === "file").map((item) => item.path);
  const dirs = loose.filter((item) => item.kind === "dir").map((item) => item.path);
  if (files.length) commands.push(`chmod 600 ${files.join(" ")}`);
  if (dirs.length) commands.push(`chmod 700 ${dirs.join(" ")}`);
  if (foreign.length) commands.push(`sudo chown $USER: ${foreign.map((item) => item.path).join(" ")}`);
  const problems = [
    ...loose.map((item) => `${item.path} is ${octal(item.stat!.mode)}: readable by ${item.stat!.mode & 0o007 ? "every local user" : "your group"}`),
    ...foreign.map((item) => `${item.path} belongs to uid ${item.stat!.uid}, not you`),
  ];
  return fail(problems.join("; "), commands.join(" && "));
}

export const fileModesCheck = defineCheck({
  id: "file-modes",
  category: "config",
  title: "Secrets and credentials are private",
  gather: gatherPrivatePaths,
  judge: judgeFileModes,
});
