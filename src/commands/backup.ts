import { defineCommand } from "citty";
import { resolve } from "node:path";
import { passphraseSource } from "../backup/passphrase.ts";
import { formatBackupReport } from "../backup/report.ts";
import { runBackup } from "../backup/run-backup.ts";
import { printJson, printText } from "../ui/output.ts";
import { colorEnabled } from "../ui/style.ts";
import { commandEnvironment, dryRunArg, globalArgs, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "backup", description: "Write one archive that holds everything needed to restore" },
  args: {
    to: { type: "string", description: "Directory for the archive (default: [backup] dir, else <data dir>/backups)", valueHint: "dir" },
    "include-media": { type: "boolean", description: "Also archive uploaded media (default: [backup] include_media)" },
    encrypt: { type: "boolean", description: "Encrypt the archive: AES-256-GCM with a key from your passphrase (scrypt)" },
    "passphrase-file": {
      type: "string",
      description: "The passphrase, from this file (- for stdin); default [backup] passphrase_file, else asked on a terminal",
      valueHint: "file",
    },
    ...dryRunArg,
    ...jsonArg,
    ...globalArgs,
  },
  async run({ args }) {
    const env = commandEnvironment(args);
    const config = env.config();
    const passphraseFile = args["passphrase-file"] || config.backup.passphrase_file || undefined;
    // A passphrase file (flag or config) means encrypt, unless --no-encrypt.
    const encrypt = args.encrypt ?? passphraseFile !== undefined;
    const dryRun = Boolean(args["dry-run"]);
    const report = await runBackup(env.paths, config, {
      to: args.to === undefined ? undefined : resolve(args.to),
      includeMedia: args["include-media"] ?? config.backup.include_media,
      encrypt,
      passphrase: encrypt && !dryRun ? await passphraseSource({ file: passphraseFile, creating: true })() : undefined,
      dryRun,
    });
    if (args.json) printJson("backup", report);
    else printText(formatBackupReport(report, colorEnabled()));
  },
});
