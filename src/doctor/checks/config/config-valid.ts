import { type Check, type ConfigLoad, fail, ok, type Verdict } from "../../types.ts";

export function judgeConfig(load: ConfigLoad): Verdict {
  switch (load.state) {
    case "ok":
      return ok(`${load.file} is valid`);
    case "missing":
      return fail(`no mxhome.toml at ${load.file}.`, "mxhome init   # or point --config / MXHOME_CONFIG at your mxhome.toml");
    case "unreadable":
      return fail(`cannot read ${load.file}: ${load.problems[0] ?? "unknown error"}`, `Make ${load.file} readable by your user (\`chmod 644\`).`);
    case "invalid":
      return fail(`${load.file} is invalid (${load.problems.length} problem${load.problems.length === 1 ? "" : "s"}).`, "Fix the lines named below; `mxhome init --help` lists what each setting accepts.", load.problems);
  }
}

export const configValidCheck: Check = {
  id: "config-valid",
  category: "config",
  title: "mxhome.toml is valid",
  needsConfig: false,
  run: (context) => judgeConfig(context.configLoad),
};
