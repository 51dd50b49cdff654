import { expect, test } from "bun:test";
import { redact, registerSecret } from "../../../src/ui/redact.ts";

test("access tokens and bearer headers are redacted without registration", () => {
  expect(redact("token syt_YWRtaW4_abcdefghijklmnop_123456")).toBe("token [REDACTED]");
  expect(redact("Authorization: Bearer abcdefghijklmnop")).toBe("Authorization: Bearer [REDACTED]");
});

test("registered secrets are redacted everywhere they appear", () => {
  registerSecret("hunter2-very-secret");
  expect(redact('{"password":"hunter2-very-secret"} and hunter2-very-secret')).toBe('{"password":"[REDACTED]"} and [REDACTED]');
});
