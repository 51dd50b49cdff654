import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ledgerSchemaVersion, openLedger, type OpenedLedger } from "../../../src/kick/ledger.ts";
import { MxError } from "../../../src/ui/errors.ts";

/** The real bun:sqlite on throw-away files: the ledger's file handling is what is under test. */
const dirs: string[] = [];
const opened: OpenedLedger[] = [];
function ledgerPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "mxhome-ledger-"));
  dirs.push(dir);
  return join(dir, "kick", "ledger.sqlite");
}
function open(file: string, now = 1000, hadLedger = false): OpenedLedger {
  const ledger = openLedger(file, now, hadLedger);
  opened.push(ledger);
  return ledger;
}
afterEach(() => {
  for (const ledger of opened.splice(0)) ledger.store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("opening the ledger", () => {
  test("the first run creates it: private, versioned, tracking from now", () => {
    const file = ledgerPath();
    const { store, state } = open(file, 1234);
    expect(state).toBe("created");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(store.createdAt).toBe(1234);
    expect(store.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version).toBe(ledgerSchemaVersion);
  });

  test("later runs open the same ledger", () => {
    const file = ledgerPath();
    const first = open(file, 1);
    const id = first.store.id;
    first.store.close();
    opened.pop();
    const again = open(file, 2, true);
    expect(again.state).toBe("opened");
    expect(again.store.id).toBe(id);
    expect(again.store.createdAt).toBe(1);
  });

  test("a ledger that vanished after earlier runs is rebuilt with tracking restarted", () => {
    const result = open(ledgerPath(), 5000, true);
    expect(result.state).toBe("rebuilt");
    expect(result.note).toContain("was missing");
    expect(result.store.createdAt).toBe(5000);
  });

  test("an unreadable file is kept aside, never deleted, and a new ledger starts", () => {
    const file = ledgerPath();
    open(file).store.close();
    opened.pop();
    writeFileSync(file, "this is not a database, it was overwritten by accident".repeat(100));
    const result = open(file, 7000, true);
    expect(result.state).toBe("rebuilt");
    expect(result.note).toContain("unreadable");
    expect(readFileSync(result.movedAside!, "utf8")).toStartWith("this is not a database");
    expect(result.store.createdAt).toBe(7000);
  });

  test("a ledger missing its tables is rebuilt", () => {
    const file = ledgerPath();
    open(file).store.close();
    opened.pop();
    const db = new Database(file);
    db.run("DROP TABLE activity");
    db.close();
    const result = open(file, 8000, true);
    expect(result.state).toBe("rebuilt");
    expect(result.note).toContain("activity");
    expect(existsSync(result.movedAside!)).toBe(true);
  });

  test("a ledger from a newer mxhome is left alone, with a clear error", () => {
    const file = ledgerPath();
    open(file).store.close();
    opened.pop();
    const db = new Database(file);
    db.run(`PRAGMA user_version = ${ledgerSchemaVersion + 1}`);
    db.close();
    let error: unknown;
    try {
      open(file);
    } catch (caught) {
      error = caught;
    }
    expect((error as MxError).code).toBe("kick.ledger-newer");
    const after = new Database(file);
    expect(after.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version).toBe(ledgerSchemaVersion + 1);
    after.close();
  });

  test("a ledger mxhome may not open is reported, not set aside", () => {
    if (process.getuid?.() === 0) return; // root opens anything
    const file = ledgerPath();
    open(file).store.close();
    opened.pop();
    chmodSync(file, 0o000);
    expect(() => open(file)).toThrow(MxError);
    chmodSync(file, 0o600);
    expect(open(file).state).toBe("opened");
  });
});

describe("the ledger's records", () => {
  test("activity keeps the newest time per source; the latest across sources wins", () => {
    const { store } = open(ledgerPath());
    store.recordActivity({ userId: "@a:x", source: "message", ts: 100, roomId: "!r" });
    store.recordActivity({ userId: "@a:x", source: "message", ts: 50, roomId: "!old" });
    store.recordActivity({ userId: "@a:x", source: "receipt", ts: 200, roomId: "!s" });
    store.recordActivity({ userId: "@b:x", source: "join", ts: 10 });
    expect(store.activityOf("@a:x")).toEqual([
      { userId: "@a:x", source: "receipt", ts: 200, roomId: "!s" },
      { userId: "@a:x", source: "message", ts: 100, roomId: "!r" },
    ]);
    expect(store.latestActivity().get("@a:x")).toEqual({ userId: "@a:x", source: "receipt", ts: 200, roomId: "!s" });
    expect(store.latestActivity().get("@b:x")).toEqual({ userId: "@b:x", source: "join", ts: 10, roomId: undefined });
  });

  test("rooms, their state and memberships; dropping a room forgets its members", () => {
    const { store } = open(ledgerPath());
    store.addRoom("!space", true, 10);
    store.addRoom("!a", false, 20);
    store.setRoomState("!a", { powerLevels: { users: { "@m:x": 50 } }, create: { sender: "@o:x", roomVersion: "12" } });
    store.putMembership("@u:x", { roomId: "!a", membership: "join", since: 5, firstObserved: 20 });
    store.putMembership("@u:x", { roomId: "!space", membership: "invite", since: 6, firstObserved: 10 });
    store.putMembership("@u:x", { roomId: "!a", membership: "join", since: 7, firstObserved: 20 });
    expect(store.rooms()).toEqual([
      { roomId: "!a", isSpace: false, observedSince: 20, powerLevels: { users: { "@m:x": 50 } }, create: { sender: "@o:x", roomVersion: "12" } },
      { roomId: "!space", isSpace: true, observedSince: 10, powerLevels: undefined, create: undefined },
    ]);
    expect(store.membership("!a", "@u:x")).toEqual({ roomId: "!a", membership: "join", since: 7, firstObserved: 20 });
    store.dropRoom("!a");
    expect(store.memberships()).toEqual([{ userId: "@u:x", roomId: "!space", membership: "invite", since: 6, firstObserved: 10 }]);
    store.deleteMembership("!space", "@u:x");
    expect(store.memberships()).toEqual([]);
  });

  test("a transaction that fails leaves nothing behind, the since-token included", () => {
    const { store } = open(ledgerPath());
    store.setMeta("since", "s1");
    expect(() =>
      store.transaction(() => {
        store.setMeta("since", "s2");
        store.recordActivity({ userId: "@a:x", source: "message", ts: 1 });
        throw new Error("Synapse went away");
      }),
    ).toThrow("Synapse went away");
    expect(store.meta("since")).toBe("s1");
    expect(store.latestActivity().size).toBe(0);
  });
});
