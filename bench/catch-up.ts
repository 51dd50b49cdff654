/**
 * `bun bench/catch-up.ts [rounds]`: after the PC was off, how long until the
 * owner's /sync holds all 20 messages a remote member sent meanwhile, after
 * `up` returns: without the wake-up (`--no-catch-up`: the remote's own retry
 * timer decides) and with it, side by side. Two real federating Synapses;
 * the remote's retry intervals are shortened (2 s, then ×60, so about two
 * minutes instead of Synapse's 10 min doubling to 7 days), which flatters
 * "without": with the defaults it is hours or days.
 *
 * `bun bench/catch-up.ts --long`: the long-outage reproduction (README,
 * "After the PC was off"). The remote backs off past one hour (10 s, ×600);
 * 20 messages are sent before that and 5 after. Prints how many arrive by
 * /sync within 30 s of `up` (with the wake-up) and how many scrolling back
 * finds. Measured on Synapse 1.163.2: the 5 sent after the hour never come.
 *
 * PostgreSQL refuses root, so as root this re-runs itself as the test user.
 */
import { rerunAsTestUserWhenRoot } from "../scripts/as-test-user.ts";
import { setQuiet } from "../src/ui/logger.ts";
import { startFederation } from "../test/support/federation.ts";
import { type OutageScene, outage, ownerScrollsBack, ownerSees, remoteBackoff, say } from "../test/support/outage.ts";
import { buildCommunity, joinCommunity } from "../test/integration/kick/_support.ts";
import { median } from "./_measure.ts";

rerunAsTestUserWhenRoot("bench-catch-up");
const long = process.argv.includes("--long");
const rounds = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 1);
const messages = 20;
/** Without the wake-up, give the remote this long after `up` to deliver on its own. */
const withoutCapMs = 10 * 60_000;

setQuiet(true);
const federation = await startFederation({ remote: { synapseOverrides: () => (long ? remoteBackoff(600, 10) : remoteBackoff(60)) } });
const { home, remote } = federation;
const community = await buildCommunity(home, ["Lounge"]);
const speaker = await remote.createUser(`carol-${Date.now().toString(36)}`);
await joinCommunity(home, community, speaker, [community.rooms.Lounge!], remote);
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
  const { since } = await outage(scene, prefix, messages, 3_700_000);
  for (let index = messages + 1; index <= messages + 5; index++) await say(remote, speaker, scene.roomId, `${prefix} ${index}`);
  await home.up({ catchUp: { watchMs: 10_000 } });
  const synced = await ownerSees(scene, since, prefix, messages + 5, 30_000);
  const scrolled = await ownerScrollsBack(scene, prefix);
  const numberOf = (body: string) => Number(body.split(" ").at(-1));
  const count = (bodies: string[], from: number, to: number) => new Set(bodies.map(numberOf).filter((n) => n >= from && n <= to)).size;
  console.log(`remote backed off past one hour; ${messages} messages sent before that, 5 after. With the wake-up:`);
  console.log(`  /sync within 30 s of up:  ${count(synced.bodies, 1, messages)}/${messages} before, ${count(synced.bodies, messages + 1, messages + 5)}/5 after${synced.limited ? " (timeline limited)" : ""}`);
  console.log(`  scrolling back (/messages): ${count(scrolled, 1, messages)}/${messages} before, ${count(scrolled, messages + 1, messages + 5)}/5 after`);
  console.log(`  in order when scrolled: ${scrolled.map(numberOf).every((n, i, all) => i === 0 || all[i - 1]! < n)}`);

  // The workaround: someone on that server says something new in the room; its prev_events point at
  // the missing ones, which our server then fetches (get_missing_events, up to 10).
  await say(remote, speaker, scene.roomId, `${prefix} ${messages + 6}`);
  const after = await ownerSees(scene, since, prefix, messages + 6, 30_000);
  const scrolledAfter = await ownerScrollsBack(scene, prefix);
  console.log(`after one more message from that server (number ${messages + 6}):`);
  console.log(`  /sync:  ${count(after.bodies, messages + 1, messages + 6)}/6 of the newest${after.limited ? " (timeline limited)" : ""}; scrolling back: ${count(scrolledAfter, 1, messages + 6)}/${messages + 6}, in order: ${scrolledAfter.map(numberOf).every((n, i, all) => i === 0 || all[i - 1]! < n)}`);
}
