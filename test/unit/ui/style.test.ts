import { expect, test } from "bun:test";
import { toAscii } from "../../../src/ui/style.ts";

test.each([
  ["Deleting media…", "Deleting media..."],
  ['server.max_upload: "10M" → "20M"', 'server.max_upload: "10M" -> "20M"'],
  ["0 ok · 1 failed — see ≥ 2", "0 ok - 1 failed - see >= 2"],
  ["Café Zürich", "Cafe Zurich"],
  ["✔ done 🎉", "? done ?"],
  ["plain", "plain"],
])("toAscii(%j) is %j", (text, ascii) => {
  expect(toAscii(text)).toBe(ascii);
});
