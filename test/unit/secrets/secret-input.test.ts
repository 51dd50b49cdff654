import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSecretInput } from "../../../src/secrets/secret-input.ts";
import { MxError } from "../../../src/ui/errors.ts";
import { redact } from "../../../src/ui/redact.ts";

const what = { name: "passphrase", flag: "--passphrase-file" };

test("reads the file, drops one trailing newline and redacts the value from then on", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "mxhome-secret-input-")), "p");
  writeFileSync(file, "correct horse battery\n");
  expect(await readSecretInput(file, what)).toBe("correct horse battery");
  expect(redact("it was correct horse battery")).toBe("it was [REDACTED]");
});

test("an unreadable file is a usage error naming the flag", async () => {
  const error = await readSecretInput("/nonexistent/p", what).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MxError);
  expect((error as MxError).exitCode).toBe(2);
  expect((error as MxError).hint).toContain("--passphrase-file -");
});
