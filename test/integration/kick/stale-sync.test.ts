/**
 * Synapse answers an identical /sync (same user, device, filter string,
 * since-token, timeout) from a response cache for two minutes
 * (`sync_response_cache_duration`). A ledger lost and rebuilt within two
 * minutes of an earlier full sync of the same scope must still record the
 * world as it is now, not as that cached answer saw it: every observation's
 * request is unique. Reproduced as a user would hit it: observe; one member
 * is removed and one joins; the ledger is moved away; `mxhome kick --json`
 * at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { renameSync } from "node:fs";
import { resolve } from "node:path";
import { ledgerFile } from "../../../src/kick/ledger.ts";
import { fetchSync, type SyncResponse } from "../../../src/kick/sync.ts";
import type { KickReport } from "../../../src/kick/report.ts";
import { formatStatus } from "../../../src/status/format.ts";
import { gatherStatus } from "../../../src/status/gather.ts";
import { repoRoot } from "../../support/components.ts";
import { startTestServer, type TestServer, type TestUser } from "../../support/server.ts";
import { buildCommunity, type Community, dayMs, joinCommunity, kick, kickDeps, membersEverywhere } from "./_support.ts";

let server: TestServer;
let community: Community;
const people: Record<"stays" | "removed" | "joins", TestUser> = {} as never;

beforeAll(async () => {
  server = await startTestServer();
  community = await buildCommunity(server, ["General"]);
  for (const name of ["stays", "removed", "joins"] as const) people[name] = await server.createUser(`${name}-${Date.now().toString(36)}`);
  for (const name of ["stays", "removed"] as const) await joinCommunity(server, community, people[name], [community.rooms.General!]);
}, 120_000);
afterAll(() => server?.stop(), 60_000);

function kickCli(args: string[]): { exitCode: number; report: KickReport } {
  const home = resolve(server.paths.configDir, "..", "..");
  const cli = Bun.spawnSync([process.execPath, resolve(repoRoot, "src/cli.ts"), "kick", "--json", ...args], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, XDG_STATE_HOME: undefined },
  });
  return { exitCode: cli.exitCode, report: JSON.parse(cli.stdout.toString()) as KickReport };
}

/** Everyone the report accounts for as a joined member: proposed or kept for any reason but "invited, never joined". */
const reportedMembers = (report: KickReport) =>
  [...report.proposals.filter((p) => p.kind === "member").map((p) => p.userId), ...report.keptMembers.filter((k) => k.reason !== "invited-only").map((k) => k.userId)].sort();

describe("a rebuilt ledger never reads a stale server", () => {
  test("observe, change the membership, lose the ledger, run at once: the report matches the rooms' real members", async () => {
    const first = await kick(kickDeps(server), { mode: "observe" });
    expect(first.observation!.rooms.started.sort()).toEqual([...community.all].sort());

    for (const roomId of [community.rooms.General!, community.spaceId]) {
      await server.http.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/kick`, {
        token: community.ownerToken,
        body: { user_id: people.removed.userId },
      });
    }
    await joinCommunity(server, community, people.joins, [community.rooms.General!]);
    renameSync(ledgerFile(server.paths), `${ledgerFile(server.paths)}.moved-away`);

    const { exitCode, report } = kickCli([]);
    expect(exitCode).toBe(0);
    expect(report.ledger!.state).toBe("rebuilt");
    const real = await membersEverywhere(server, community);
    const realMembers = [...new Set(Object.values(real).flat())].sort();
    expect(realMembers).toContain(people.joins.userId);
    expect(realMembers).not.toContain(people.removed.userId);
    expect(reportedMembers(report)).toEqual(realMembers);
    expect(report.keptMembers.find((member) => member.userId === people.joins.userId)?.reason).not.toBe("invited-only");
    // The cap counts people, mxhome's own accounts (bot, service, the admin) left out.
    expect(report.population).toBe(2);
  }, 60_000);

  test("the rebuilt ledger proposes nobody until tracking covers after_days again, and then never the removed member", async () => {
    const afterDays = server.config.kick.after_days;
    const early = kickCli(["--as-of", new Date(Date.now() + (afterDays - 1) * dayMs).toISOString()]);
    expect(early.report.ledger!.state).toBe("opened");
    expect(early.report.proposals).toEqual([]);
    const late = kickCli(["--as-of", new Date(Date.now() + (afterDays + 1) * dayMs).toISOString(), "--max", "10"]);
    expect(late.report.proposals.map((proposal) => proposal.userId).sort()).toEqual([people.joins.userId, people.stays.userId].sort());
  }, 60_000);

  test("status's \"Last runs\" shows the last observation as the kick run, and the --as-of preview apart, labelled", async () => {
    await kick(kickDeps(server), { mode: "observe" });
    kickCli(["--as-of", new Date(Date.now() + 90 * dayMs).toISOString(), "--max", "10"]);
    const status = await gatherStatus({ paths: server.paths });
    if (!status.configured) throw new Error("the server is configured");
    expect(status.lastRuns.kick!.summary).toStartWith("observed 2 rooms");
    expect(status.lastRuns.kick!.summary).not.toContain("would remove");
    expect(status.lastRuns.kickPreview!.summary).toMatch(/preview: as of \d{4}-\d\d-\d\d, would remove 2 members of 2$/);
    expect(formatStatus(status, { color: false, now: new Date() })).toMatch(/kick: ok .*observed 2 rooms, \d+ events?; kick preview: ok .*as of/);
  }, 60_000);

  test("two first syncs of the same rooms seconds apart (a bot that re-joined, a room added back to the scope) each see the room as it is now", async () => {
    const general = community.rooms.General!;
    const joined = (response: SyncResponse) => {
      const room = response.rooms?.join?.[general];
      const members = new Map<string, string>();
      for (const event of [...(room?.state?.events ?? []), ...(room?.timeline?.events ?? [])]) {
        if (event.type === "m.room.member" && event.state_key) members.set(event.state_key, event.content?.membership);
      }
      return [...members].filter(([, membership]) => membership === "join").map(([userId]) => userId);
    };
    expect(joined(await fetchSync(server.http, server.bot.accessToken, [general]))).toContain(people.stays.userId);
    await server.http.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(general)}/kick`, { token: community.ownerToken, body: { user_id: people.stays.userId } });
    expect(joined(await fetchSync(server.http, server.bot.accessToken, [general]))).not.toContain(people.stays.userId);
  }, 60_000);
});
