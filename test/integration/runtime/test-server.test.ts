import { beforeAll, describe, expect, test } from "bun:test";
import { type TestServer, testServer } from "../../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await testServer();
}, 60_000);

describe("the shared test server", () => {
  test("is healthy behind Caddy, with working admin, service and bot credentials", async () => {
    const versions = await fetch(`${server.publicUrl}/_matrix/client/versions`);
    expect(versions.status).toBe(200);
    expect(await server.adminApi().isServerAdmin(server.admin.userId)).toBe(true);
    const bot = await server.http.request<{ user_id: string }>("GET", "/_matrix/client/v3/account/whoami", { token: server.bot.accessToken });
    expect(bot.user_id).toBe(server.bot.userId);
  });

  test("createUser, sql and a scratch database", async () => {
    const alice = await server.createUser();
    const whoami = await server.http.request<{ user_id: string }>("GET", "/_matrix/client/v3/account/whoami", { token: alice.accessToken });
    expect(whoami.user_id).toBe(alice.userId);
    expect(await server.sql(`SELECT name FROM users WHERE name = '${alice.userId}'`)).toBe(alice.userId);
    const scratch = await server.createScratchDatabase();
    expect(await server.sql("SELECT datcollate FROM pg_database WHERE datname = current_database()", scratch)).toBe("C");
  }, 30_000);

  test("is the same server on every call", async () => {
    expect(await testServer()).toBe(await testServer());
  });
});
