import { expect, test } from "bun:test";
import { formatBackupReport } from "../../../src/backup/report.ts";
import type { BackupReport } from "../../../src/backup/run-backup.ts";

const report: BackupReport = {
  dryRun: false,
  archive: "/b/mxhome-backup-x.tar",
  bytes: 2048,
  durationMs: 1200,
  encrypted: false,
  includes: { database: true, media: false },
  files: { config: 2, secrets: 5, state: 4, media: 0 },
  vanished: 0,
  versions: { mxhome: "0.1.0", synapse: "1.163.2", postgres: "15.8" },
  pruned: [],
  leftOut: ["/h/.local/state/mxhome/credentials/admin-initial-password"],
};

test.each([false, true])("the admin's first password, still on disk, is named as left out (dry run: %s)", (dryRun) => {
  const text = formatBackupReport({ ...report, dryRun }, false);
  expect(text).toContain("WARN /h/.local/state/mxhome/credentials/admin-initial-password is left out of the backup");
  expect(text).toContain("then delete the file");
  expect(formatBackupReport({ ...report, dryRun, leftOut: [] }, false)).not.toContain("left out");
});

test("a person's generated password, still on disk, is named as left out, to hand over", () => {
  const text = formatBackupReport({ ...report, leftOut: ["/h/.local/state/mxhome/credentials/alice-initial-password"] }, false);
  expect(text).toContain("WARN /h/.local/state/mxhome/credentials/alice-initial-password is left out of the backup");
  expect(text).toContain("Hand it over privately, then delete the file.");
  expect(text).not.toContain("admin account");
});
