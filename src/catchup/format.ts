import { statusIcon } from "../ui/style.ts";
import type { CatchUpReport, GapsReport } from "./report.ts";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Pure: the run record's one line, e.g. "woke 3 of 3 servers; events from 2 within 30 s (first after 0.8 s)". */
export function summarizeCatchUp(report: CatchUpReport): string {
  if (report.notSetUp) return "nothing to wake yet: mxhome's accounts don't exist until the first `mxhome up` creates them";
  if (report.servers.length === 0) return `no other server shares a room with us (${report.rooms} rooms)`;
  const woken = report.servers.filter((server) => server.woken).length;
  const times = report.servers.map((server) => server.firstEventMs).filter((ms): ms is number => ms !== undefined);
  const parts = [`woke ${woken} of ${report.servers.length} servers`];
  if (report.watchedForMs) {
    parts.push(times.length ? `events from ${times.length} within ${seconds(report.watchedForMs)} (first after ${seconds(Math.min(...times))})` : `no event arrived within ${seconds(report.watchedForMs)}`);
  }
  if (report.limitedRooms.length) parts.push(`${report.limitedRooms.length} rooms came back limited`);
  if (report.gaps && (report.gaps.checked || report.gaps.skipped)) parts.push(summarizeGaps(report.gaps));
  return parts.join("; ");
}

/** Pure: e.g. "gaps in 2 of 3 rooms: 25 events fetched, all closed". */
export function summarizeGaps(gaps: GapsReport): string {
  const skipped = gaps.skipped ? ` (${gaps.skipped} rooms not checked: over the limits)` : "";
  if (gaps.rooms.length === 0) return `no gap in ${gaps.checked} rooms${skipped}`;
  const open = gaps.rooms.filter((room) => !room.closed).length;
  return `gaps in ${gaps.rooms.length} of ${gaps.checked} rooms: ${gaps.fetched} events fetched, ${open ? `${open} not closed` : "all closed"}${skipped}`;
}

/** Pure: the human view: one line per server. */
export function formatCatchUpReport(report: CatchUpReport, color: boolean): string {
  const clean = report.servers.every((server) => server.woken) && (report.gaps?.rooms ?? []).every((room) => room.closed);
  const lines = [`${statusIcon(clean ? "ok" : "warn", color)} Catch-up: ${summarizeCatchUp(report)}.`];
  for (const server of report.servers) {
    if (!server.woken) {
      lines.push(`  ${statusIcon("warn", color)} ${server.server}: not woken after ${server.attempts} requests (${server.error}); it sends when its own retry timer runs out.`);
      continue;
    }
    const how = server.via?.method === "typing" ? "typing notice" : "profile lookup";
    const arrival = !server.watched
      ? "the bot shares no room with it, so arrival is not watched"
      : server.firstEventMs !== undefined
        ? `first event after ${seconds(server.firstEventMs)}`
        : `no event within ${seconds(report.watchedForMs)} (it had nothing queued, or is not Synapse)`;
    lines.push(`  ${statusIcon("ok", color)} ${server.server}: woken (${how}); ${arrival}`);
  }
  if (report.limitedRooms.length) {
    lines.push(`  ${statusIcon("info", color)} ${report.limitedRooms.length} rooms received more than one sync shows; clients show the newest first and load the rest when you scroll up.`);
  }
  for (const room of report.gaps?.rooms ?? []) {
    const newest = room.forwardGap ? "its newest events were missing; " : "";
    const state = room.closed ? "closed: scrolling back shows every event, in order" : `not closed: ${room.reason}; scrolling back in a client retries`;
    lines.push(`  ${statusIcon(room.closed ? "ok" : "warn", color)} ${room.roomId}: ${newest}${room.fetched} of ${room.eventsAfter} events since the outage fetched; ${state}.`);
  }
  return lines.join("\n");
}

/** Pure: the lines `up` and `restore` print about the catch-up they ran (none when there was no one to wake). */
export function formatCatchUpOutcome(outcome: CatchUpReport | { failed: string } | undefined, color: boolean): string[] {
  if (!outcome) return [];
  if ("failed" in outcome) return [`${statusIcon("warn", color)} Catch-up did not run: ${outcome.failed}`];
  return outcome.servers.length ? [formatCatchUpReport(outcome, color)] : [];
}
