import { describe, expect, test } from "bun:test";
import {
  eventsUpToQuery,
  historyEstimateQuery,
  localMediaQuery,
  localMembershipQuery,
  parseCounts,
  parseMedia,
  parseScalar,
  remoteMediaQuery,
  roomEventCountsQuery,
  roomNamesQuery,
} from "../../../src/purge/queries.ts";
import { parsePsqlRows, sqlLiteral } from "../../../src/runtime/sql.ts";

/** The queries run against real PostgreSQL in test/integration/purge; here: quoting, guards and parsing. */
describe("values put into SQL", () => {
  test.each([
    ["!abc:example.org", "'!abc:example.org'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
  ])("%s", (value, literal) => expect(sqlLiteral(value)).toBe(literal));

  test("NUL is refused", () => expect(() => sqlLiteral("a\0b")).toThrow());

  test("room ids and the server name are quoted", () => {
    expect(localMembershipQuery(["!a:x", "!b'c:x"])).toContain("IN ('!a:x', '!b''c:x')");
    expect(roomEventCountsQuery(["!a:x"])).toContain("IN ('!a:x')");
    expect(roomNamesQuery(["!a:x"])).toContain("IN ('!a:x')");
    expect(localMediaQuery(1, "ex'ample.org")).toContain("'mxc://ex''ample.org/' || lmr.media_id");
  });

  test("an empty room list asks nothing", () => {
    for (const query of [localMembershipQuery([]), roomEventCountsQuery([]), roomNamesQuery([])]) expect(query).toContain("WHERE false");
  });

  test.each([1.5, Number.NaN, 2 ** 60])("timestamps must be integers (%d)", (ts) => {
    expect(() => historyEstimateQuery(ts)).toThrow();
    expect(() => remoteMediaQuery(ts)).toThrow();
    expect(() => eventsUpToQuery(ts)).toThrow();
  });

  test("the cut-off appears as given", () => {
    expect(historyEstimateQuery(1717243200000)).toContain("1717243200000 > probe.ts");
    expect(localMediaQuery(1717243200000, "x")).toContain("last_access_ts < 1717243200000");
  });
});

describe("parsing psql rows", () => {
  test("tab-separated rows, blank lines dropped", () => {
    expect(parsePsqlRows("!a:x\t3\n!b:x\t10\n")).toEqual([["!a:x", "3"], ["!b:x", "10"]]);
    expect(parsePsqlRows("")).toEqual([]);
  });

  test("counts, media and scalars", () => {
    expect(parseCounts([["!a:x", "3"], ["!b:x", "10"]])).toEqual(new Map([["!a:x", 3], ["!b:x", 10]]));
    expect(parseMedia([["abc", "1500"], ["def", ""]])).toEqual([{ id: "abc", bytes: 1500 }, { id: "def", bytes: 0 }]);
    expect(parseScalar([["14680064"]])).toBe(14680064);
    expect(parseScalar([])).toBe(0);
  });
});
