/**
 * What SQLite keeps after it deleted something: old page images in the WAL, and deleted
 * rows in free pages and cells of the file. Erasure must leave neither (docs/storage.md,
 * "Erasure"), so these tests search the bytes of the file, its -wal and its -shm.
 * tests/app/erase-files.test.ts does the same for a whole erasure of a demo student.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { RuleState } from "../../src/rules/rule-state.ts";
import { migrate } from "../../src/store/sqlite/migrate.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.ts";
import { openDatabase } from "../../src/store/sqlite/open-database.ts";
import { openSqliteStore, SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { CaseScript, SEF } from "./store-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "reach-sqlite-erasure-"));
let files = 0;
const newFile = () => join(dir, `reach-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Which of the database's files spell `text`. */
function holding(path: string, text: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`]
    .filter((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(text)))
    .map((f) => f.slice(path.length) || "db");
}

function ruleState(students: readonly string[]): RuleState {
  return {
    policyId: SEF.id,
    holding: students.map((studentId) => ({
      studentId,
      ruleId: "low-attendance",
      runs: 1,
      runsBefore: 0,
      since: 20_000,
      lastDay: 20_000,
    })),
    cooldowns: [],
    snoozes: [],
  };
}

it("keeps no copy of a rule state saved again without a student", async () => {
  const path = newFile();
  const store = openSqliteStore({ path });
  await store.saveRuleState(SEF.id, "2026-11-20", ruleState(["stu-4821", "stu-7777"]));
  expect(holding(path, "stu-4821")).not.toEqual([]);
  await store.saveRuleState(SEF.id, "2026-11-20", ruleState(["stu-7777"]));
  expect(holding(path, "stu-4821")).toEqual([]);
  expect(holding(path, "stu-7777")).toEqual(["db"]);
  await store.close();
});

it("keeps no copy of an erased case's student or note, in the file or the WAL", async () => {
  const path = newFile();
  const store = openSqliteStore({ path });
  const script = new CaseScript(SEF, "stu-4821");
  const other = new CaseScript(SEF, "stu-7777");
  await store.appendCaseEvents(other.open());
  await store.appendCaseEvents(script.open());
  await store.appendCaseEvents(
    script.next(
      { type: "add_note", noteId: "n1", text: "PRIVATE restricted", visibility: "restricted" },
      "ada",
    ),
  );
  expect(holding(path, "PRIVATE restricted")).not.toEqual([]);
  await store.appendCaseEvents(script.next({ type: "erase" }, "adm"));
  for (const text of ["stu-4821", "PRIVATE restricted"]) expect(holding(path, text)).toEqual([]);
  expect(holding(path, "stu-7777")).toEqual(["db"]);
  await store.close();
});

it("rewrites a database written without secure_delete once, when it is first opened", async () => {
  // As an older Reach left it: an erasure whose deleted rows lie in the file's free space.
  const path = newFile();
  const db = openDatabase({ path });
  db.pragma("secure_delete = OFF");
  migrate(db, MIGRATIONS.slice(0, 2));
  const old = new SqliteStore(db);
  const script = new CaseScript(SEF, "stu-4821");
  await old.appendCaseEvents(script.open());
  await old.appendCaseEvents(
    script.next(
      { type: "add_note", noteId: "n1", text: "PRIVATE note", visibility: "team" },
      "ada",
    ),
  );
  await old.appendCaseEvents(script.next({ type: "erase" }, "adm"));
  await old.close();
  expect(holding(path, "PRIVATE note")).toEqual(["db"]);

  const upgraded = openSqliteStore({ path });
  for (const text of ["stu-4821", "PRIVATE note"]) expect(holding(path, text)).toEqual([]);
  expect((await upgraded.getCase(SEF.id, script.caseId))?.version).toBe(3);
  await upgraded.close();
});

it("upgrades a database from before skipped runs and channel notices, keeping its runs and outbox", async () => {
  const path = newFile();
  const db = openDatabase({ path });
  migrate(db, MIGRATIONS.slice(0, 4));
  const old = new SqliteStore(db);
  const script = new CaseScript(SEF, "stu-1");
  await old.appendCaseEvents(script.open());
  // The run as a Reach of schema 4 wrote it (its columns only).
  db.prepare(
    `INSERT INTO runs (run_id, policy_id, as_of, started_at, finished_at, status, counts, errors,
      warnings, data_through) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    "r1",
    SEF.id,
    "2026-11-23",
    Date.parse("2026-11-23T07:00:00.000Z"),
    Date.parse("2026-11-23T07:00:01.000Z"),
    "succeeded",
    JSON.stringify({ casesOpened: 1 }),
    "[]",
    JSON.stringify(["a warning"]),
    "[]",
  );
  const before = await old.listOutbox();
  await old.close();

  const upgraded = openSqliteStore({ path });
  expect(await upgraded.listOutbox()).toEqual(before);
  expect((await upgraded.listRuns({ policyId: SEF.id })).map((r) => [r.runId, r.warnings])).toEqual(
    [["r1", ["a warning"]]],
  );
  await upgraded.saveRun({
    runId: "r2",
    policyId: SEF.id,
    asOf: "2026-11-28",
    startedAt: "2026-11-28T07:00:00.000Z",
    status: "skipped",
    counts: {},
    errors: ["not a school day"],
  });
  expect(
    await upgraded.enqueueOutbox([
      {
        id: "n1",
        policyId: SEF.id,
        kind: "channel_notice",
        payload: { text: "t" },
        createdAt: "2026-11-28T07:00:00.000Z",
      },
    ]),
  ).toBe(1);
  // New entries continue the sequence after the old ones.
  const ids = (await upgraded.listOutbox()).map((e) => e.id);
  expect(ids).toEqual([...before.map((e) => e.id), "n1"]);
  await upgraded.close();
});
