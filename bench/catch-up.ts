/**
 * `bun bench/catch-up.ts [rounds]`: after the PC was off, how long until the
 * owner's /sync holds all 20 messages a remote member sent meanwhile, after
 * `up` returns: without the wake-up (`--no-catch-up`: the remote's own retry
 * timer decides) and with it, side by side. Two real federating Synapses;
 * the remote's retry intervals are shortened (2 s, then ×60, so about two
 * minutes instead of Synapse's 10 min doubling to 7 days), which flatters
 * "without": with the defaults it is hours or days.
 *
 * `bun bench/catch-up.ts --long`: the long outage (README, "After the PC
 * was off"). The remote backs off past one hour (10 s, ×600); 20 messages
 * are sent before that and 5 after, which it no longer queues for us. Side
 * by side on the same outage: what the wake alone brings (by /sync within
 * 30 s, and scrolling back), then what scrolling back shows after a full
 * catch-up, whose gap check fetches the 5 (src/catchup/gaps.ts).
 *
 * PostgreSQL refuses root, so as root this re-runs itself as the test user.
 */
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import { setQuiet } from "../src/ui/logger.ts";
import { startFederation } from "../test/support/federation.ts";
import { summarizeGaps } from "../src/catchup/format.ts";
import { defaultGapLimits } from "../src/catchup/gaps.ts";
import { runCatchUp } from "../src/catchup/run.ts";
import { backOffBeyond, numbered, type OutageScene, outage, ownerScrollsBack, ownerSees, ownerSince, remoteBackoff, say } from "../test/support/outage.ts";
import { buildCommunity, joinCommunity } from "../test/integration/kick/_support.ts";
import { median } from "./_measure.ts";

rerunAsTestUserWhenRoot("bench-catch-up");
const long = process.argv.includes("--long");
const rounds = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 1);
/** `--long --rooms 5`: the outage's messages go to this many rooms, 20 + 5 each (the unexplained five-room case). */
const roomCount = process.argv.includes("--rooms") ? Number(process.argv[process.argv.indexOf("--rooms") + 1]) || 1 : 1;
/** `--long --typing`: the speaker types before each message sent after the hour, as clients do (a typing notice is an EDU the remote tries to send us). */
const typing = process.argv.includes("--typing");
const messages = 20;
/** Without the wake-up, give the remote this long after `up` to deliver on its own. */
const withoutCapMs = 10 * 60_000;

setQuiet(true);
const federation = await startFederation({ remote: { synapseOverrides: () => (long ? remoteBackoff(600, 10) : remoteBackoff(60)) } });
const { home, remote } = federation;
const community = await buildCommunity(home, ["Lounge", ...Array.from({ length: roomCount - 1 }, (_, index) => `Room ${index + 2}`)]);
const speaker = await remote.createUser(`carol-${Date.now().toString(36)}`);
await joinCommunity(home, community, speaker, Object.values(community.rooms), remote);
const scene: OutageScene = { home, remote, roomId: community.rooms.Lounge!, speaker, ownerToken: community.ownerToken };
const seconds = (ms: number | undefined) => (ms === undefined ? "never" : `${(ms / 1000).toFixed(1)} s`);

try {
  if (long) await longOutage();
  else await sideBySide();
} finally {
  await federation.stop();
}

/** Time from `up` returning until all messages are in the owner's /sync (undefined: not within the cap). */
async function deliveryAfterUp(round: number, wake: boolean): Promise<number | undefined> {
  const prefix = `round ${round} ${wake ? "with" : "without"}`;
  const { since } = await outage(scene, prefix, messages, 60_000);
  await home.up(wake ? { catchUp: { watchMs: 10_000 } } : {});
  const upReturned = Date.now();
  const seen = await ownerSees(scene, since, prefix, messages, wake ? 60_000 : withoutCapMs);
  return seen.at === undefined ? undefined : seen.at - upReturned;
}

async function sideBySide(): Promise<void> {
  const without: (number | undefined)[] = [];
  const withWake: (number | undefined)[] = [];
  for (let round = 1; round <= rounds; round++) {
    without.push(await deliveryAfterUp(round, false));
    withWake.push(await deliveryAfterUp(round, true));
    console.log(`round ${round}: without wake-up ${seconds(without.at(-1))}, with wake-up ${seconds(withWake.at(-1))}`);
  }
  const med = (values: (number | undefined)[]) => median(values.map((value) => value ?? withoutCapMs));
  console.log(`\nall ${messages} messages in the owner's /sync, after \`up\` returned (median of ${rounds}):`);
  console.log(`  without wake-up (--no-catch-up)  ${seconds(med(without))}${without.includes(undefined) ? " (some never, counted as the cap)" : ""}`);
  console.log(`  with wake-up (mxhome up)         ${seconds(med(withWake))}`);
  console.log(`  ratio                            ${(med(without) / med(withWake)).toFixed(0)}×`);
}

async function longOutage(): Promise<void> {
  const prefix = "long outage";
  const scenes = Object.values(community.rooms).map((roomId) => ({ ...scene, roomId }));
  const since = await ownerSince(scene);
  await home.down();
  for (const room of scenes) for (const body of numbered(prefix, messages)) await say(remote, speaker, room.roomId, body);
  await backOffBeyond(scene, 3_700_000);
  for (const room of scenes) {
    for (const body of numbered(prefix, messages + 5).slice(messages)) {
      if (typing) await remote.http.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(room.roomId)}/typing/${encodeURIComponent(speaker.userId)}`, { token: speaker.accessToken, body: { typing: true, timeout: 3_000 } });
      await say(remote, speaker, room.roomId, body);
    }
  }
  await home.up();
  // Side by side on one outage: first the wake alone (the gap check given no room), then a full catch-up.
  const wakeOnly = await runCatchUp(home.paths, home.config, home.http, { watchMs: 10_000, gapLimits: { ...defaultGapLimits, rooms: 0 } });
  const synced = [];
  for (const room of scenes) synced.push((await ownerSees(room, since, prefix, messages + 5, synced.length ? 3_000 : 30_000)).bodies);
  const before = [];
  for (const room of scenes) before.push(await ownerScrollsBack(room, prefix));
  const started = Date.now();
  const full = await runCatchUp(home.paths, home.config, home.http, { watchMs: 5_000 });
  const tookMs = Date.now() - started;
  const after = [];
  for (const room of scenes) after.push(await ownerScrollsBack(room, prefix));
  const numberOf = (body: string) => Number(body.split(" ").at(-1));
  const count = (bodies: string[], from: number, to: number) => new Set(bodies.map(numberOf).filter((n) => n >= from && n <= to)).size;
  const inOrder = (bodies: string[]) => bodies.map(numberOf).every((n, i, all) => i === 0 || all[i - 1]! < n);
  const cell = (bodies: string[][]) => {
    const rooms = bodies.length > 1 ? ` (${bodies.length} rooms)` : "";
    const sum = (from: number, to: number) => bodies.reduce((total, room) => total + count(room, from, to), 0);
    const order = bodies.every(inOrder) ? "in order" : "NOT in order";
    return `${sum(1, messages)}/${messages * bodies.length} before, ${sum(messages + 1, messages + 5)}/${5 * bodies.length} after${rooms}, ${order}`;
  };
  console.log(`remote backed off past one hour; ${messages} messages sent before that and 5 after${typing ? " (each after a typing notice)" : ""}, in each of ${scenes.length} rooms.`);
  console.log(`                               wake only (${wakeOnly.servers.filter((server) => server.woken).length} woken)`);
  console.log(`  /sync within 30 s of up:     ${cell(synced)}`);
  console.log(`  scrolling back (/messages):  ${cell(before)}`);
  console.log(`                               wake + gap check (a second catch-up, watching at most 5 s: ${seconds(tookMs)})`);
  console.log(`  scrolling back (/messages):  ${cell(after)}`);
  console.log(`gap check: ${full.gaps ? summarizeGaps(full.gaps) : "did not run"}`);
  for (const room of full.gaps?.rooms ?? []) console.log(`  ${JSON.stringify(room)}`);
}
