/**
 * The SQLite adapter: the store contract on a real file and in memory, plus what only a
 * file can show: writes survive closing and reopening, migrations apply once, a newer
 * schema is refused, and a history changed behind Reach's back fails loudly on read.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/sqlite/migrate.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.ts";
import { openDatabase } from "../../src/store/sqlite/open-database.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { storeContract } from "./store-contract.ts";
import { CaseScript, SEF } from "./store-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "reach-store-"));
let files = 0;
const newFile = () => join(dir, `reach-${++files}.db`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every row of every table, as JSON. */
async function everything(store: Store): Promise<string> {
  const { db } = store as SqliteStore;
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .all() as string[];
  return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM "${t}"`).all()));
}

storeContract("SQLite file", async () => openSqliteStore({ path: newFile() }), {
  twin: async (store) => openSqliteStore({ path: (store as SqliteStore).db.name }),
  everything,
});
storeContract("SQLite :memory:", async () => openSqliteStore({ path: ":memory:" }), {
  everything,
});

describe("SQLite store", () => {
  it("keeps a committed change across closing and reopening the file", async () => {
    const path = newFile();
    const script = new CaseScript(SEF, "stu-1");
    const first = openSqliteStore({ path });
    await first.appendCaseEvents(script.open());
    await first.appendCaseEvents(script.next({ type: "confirm" }, "ada"));
    await first.saveRuleState(SEF.id, "2026-11-20", {
      policyId: SEF.id,
      holding: [],
      cooldowns: [],
      snoozes: [],
    });
    await first.close();

    const again = openSqliteStore({ path });
    expect(await again.getCase(SEF.id, script.caseId)).toMatchObject({
      version: 2,
      events: script.events,
    });
    expect(await again.countOutbox()).toEqual({ pending: 2, sent: 0, dead: 0 });
    expect((await again.loadRuleState(SEF.id))?.asOf).toBe("2026-11-20");
    await again.close();
  });

  it("uses WAL and a busy timeout on a file", () => {
    const db = openDatabase({ path: newFile(), busyTimeoutMs: 1234 });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("busy_timeout", { simple: true })).toBe(1234);
    db.close();
  });

  it("applies each migration once", async () => {
    const path = newFile();
    await openSqliteStore({ path }).close();
    await openSqliteStore({ path }).close();
    const db = openDatabase({ path });
    const rows = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(migrate(db)).toEqual([]);
    db.close();

    const fresh = openDatabase({ path: ":memory:" });
    expect(migrate(fresh)).toEqual(MIGRATIONS.map((m) => m.version));
    fresh.close();
  });

  it("applies a later migration to a database that lacks it, and only that one", () => {
    const db = openDatabase({ path: newFile() });
    migrate(db);
    const next = [...MIGRATIONS, { version: 99, name: "probe", sql: "CREATE TABLE probe (x)" }];
    expect(migrate(db, next)).toEqual([99]);
    expect(migrate(db, next)).toEqual([]);
    expect(() => migrate(db)).toThrow(expect.objectContaining({ code: "schema_too_new" }));
    db.close();
  });

  it("brings a database of schema 1 to schema 2, keeping its outbox", async () => {
    const path = newFile();
    const db = openDatabase({ path });
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toEqual([1]);
    db.prepare(`INSERT INTO outbox (id, policy_id, kind, payload, created_at, due_at)
      VALUES ('digest-0', 'sef-eng', 'thread_reply', '{"n":0}', 0, 0)`).run();
    db.close();

    const store = openSqliteStore({ path });
    const key = { policyId: SEF.id, id: "digest-0" };
    expect(await store.getOutboxEntry(key)).not.toHaveProperty("sendingAt");
    expect(await store.markSending(key, "2026-11-23T10:00:00.000Z")).toBe(true);
    expect((await store.getOutboxEntry(key))?.sendingAt).toBe("2026-11-23T10:00:00.000Z");
    expect(await store.listConversations()).toEqual([]);
    expect(await store.listBindings()).toEqual([]);
    await store.close();
  });

  it("brings a database of schema 6 to the newest: bindings become cases bindings, the outbox is kept", async () => {
    const path = newFile();
    const db = openDatabase({ path });
    expect(migrate(db, MIGRATIONS.slice(0, 6))).toEqual([1, 2, 3, 4, 5, 6]);
    db.prepare(`INSERT INTO channel_bindings (policy_id, conversation_id, team_id, bound_by, bound_at)
      VALUES ('sef-eng', '19:cases@thread.tacv2', NULL, 'lee', '2026-11-23T09:00:00.000Z')`).run();
    const insert = db.prepare(`INSERT INTO outbox (id, policy_id, kind, payload, created_at, due_at)
      VALUES (?, 'sef-eng', ?, '{"n":0}', ?, ?)`);
    insert.run("note-1", "staff_message", 1, 1);
    insert.run("note-2", "channel_notice", 2, 2);
    db.prepare("DELETE FROM outbox WHERE id = 'note-1'").run();
    expect(() => insert.run("digest-0", "digest", 3, 3)).toThrow(/CHECK/);
    db.close();

    const store = openSqliteStore({ path });
    expect(store.db.prepare("SELECT max(version) FROM schema_migrations").pluck().get()).toBe(8);
    const cases = {
      policyId: SEF.id,
      conversationId: "19:cases@thread.tacv2",
      boundBy: "lee",
      boundAt: "2026-11-23T09:00:00.000Z",
    };
    expect(await store.listBindings()).toStrictEqual([cases]);
    expect(await store.getBinding(SEF.id)).toStrictEqual(cases);
    expect(await store.getBinding(SEF.id, "leads")).toBeUndefined();
    await store.saveBinding({
      ...cases,
      conversationId: "19:leads@thread.tacv2",
      purpose: "leads",
    });
    expect(await store.getBinding(SEF.id)).toStrictEqual(cases);
    // Rows and sequence numbers as they were: the next entry follows the deleted one's.
    expect((await store.listOutbox()).map((e) => [e.id, e.kind])).toEqual([
      ["note-2", "channel_notice"],
    ]);
    await store.enqueueOutbox([
      {
        id: "digest:sef-eng:2026-11-23",
        policyId: SEF.id,
        kind: "digest",
        payload: {},
        createdAt: "2026-11-23T08:00:00.000Z",
      },
    ]);
    expect(store.db.prepare("SELECT id, seq FROM outbox ORDER BY seq").all()).toEqual([
      { id: "note-2", seq: 2 },
      { id: "digest:sef-eng:2026-11-23", seq: 3 },
    ]);
    const indexes = store.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('outbox', 'channel_bindings') AND sql IS NOT NULL ORDER BY name",
      )
      .pluck()
      .all();
    expect(indexes).toEqual([
      "channel_bindings_by_conversation",
      "outbox_by_case",
      "outbox_by_policy",
      "outbox_due",
    ]);
    await store.close();
  });

  it("refuses to read a conversation or binding changed outside Reach", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.saveConversation({
      id: "a:1ada-chat",
      kind: "personal",
      reference: {},
      updatedAt: "2026-11-23T09:00:00.000Z",
    });
    await store.saveBinding({
      policyId: SEF.id,
      conversationId: "19:cases@thread.tacv2",
      boundBy: "lee",
      boundAt: "2026-11-23T09:00:00.000Z",
    });
    store.db.prepare("UPDATE conversations SET reference = '{not json'").run();
    store.db.prepare("UPDATE channel_bindings SET bound_at = 'last week'").run();
    await expect(store.getConversation("a:1ada-chat")).rejects.toMatchObject({
      code: "corrupt_record",
    });
    await expect(store.listBindings()).rejects.toMatchObject({ code: "corrupt_record" });
    await store.close();
  });

  it("refuses to read a history changed outside Reach", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    const script = new CaseScript(SEF, "stu-1");
    await store.appendCaseEvents(script.open());
    store.db.prepare("UPDATE case_events SET body = json_set(body, '$.version', 5)").run();
    await expect(store.getCase(SEF.id, script.caseId)).rejects.toMatchObject({
      code: "corrupt_record",
    });
    await store.close();
  });
});
