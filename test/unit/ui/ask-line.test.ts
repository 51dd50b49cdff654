import { expect, test } from "bun:test";
import { matchChoice, matchYesNo } from "../../../src/ui/ask-line.ts";

test.each([
  ["native", "native"],
  [" Podman ", "podman"],
  ["1", "podman"],
  ["2", "native"],
  ["3", undefined],
  ["0", undefined],
  ["pod", undefined],
  ["", undefined],
] as const)("the answer %p chooses %p", (answer, chosen) => {
  expect(matchChoice(answer, ["podman", "native"] as const)).toBe(chosen);
});

test.each([
  ["", false, false],
  ["", true, true],
  ["y", false, true],
  ["YES", false, true],
  ["n", true, false],
  [" no ", true, false],
  ["maybe", false, undefined],
] as const)("%p with fallback %p is %p", (answer, fallback, expected) => {
  expect(matchYesNo(answer, fallback)).toBe(expected);
});
