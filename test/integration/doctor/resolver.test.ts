/** The production resolver over the real DNS protocol, pointed at a DNS server on 127.0.0.1 (never a public one). */
import { afterAll, expect, test } from "bun:test";
import { publicDnsResolver } from "../../../src/doctor/resolver.ts";
import { startDnsServer } from "./_support.ts";

const dns = await startDnsServer({
  "chat-yourname.dynu.net": { cname: "desktop.tail1234.ts.net" },
  "desktop.tail1234.ts.net": { a: "127.0.0.1" },
});
afterAll(() => dns.stop());

test("follows the guide's CNAME to the ts.net name, and reports the chain", async () => {
  const resolver = publicDnsResolver([dns.address]);
  const [viaCname, direct] = await Promise.all([resolver.resolve("chat-yourname.dynu.net"), resolver.resolve("desktop.tail1234.ts.net")]);
  expect(viaCname).toEqual({ cnames: ["desktop.tail1234.ts.net"], addresses: ["127.0.0.1"] });
  expect(direct).toEqual({ cnames: [], addresses: ["127.0.0.1"] });
});

test("a name without records is ENOTFOUND", async () => {
  await expect(publicDnsResolver([dns.address]).resolve("nothing.example")).rejects.toMatchObject({ code: "ENOTFOUND" });
});
