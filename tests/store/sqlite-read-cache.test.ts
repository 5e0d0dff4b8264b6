/**
 * The SQLite store validates a case's rows only when their text is new to it: a history
 * read again gives the same events as a first read by another connection, whoever changed
 * the rows in between, and a row changed outside Reach is refused as before.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { CaseScript, SEF } from "./store-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "reach-sqlite-read-"));
let files = 0;
const newFile = () => join(dir, `reach-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const note = (noteId: string) =>
  ({ type: "add_note", noteId, text: `note ${noteId}`, visibility: "team" }) as const;

it("reads the same history as a fresh connection after its own and another's appends", async () => {
  const path = newFile();
  const store = openSqliteStore({ path });
  const other = openSqliteStore({ path });
  const script = new CaseScript(SEF, "stu-1");
  await store.appendCaseEvents(script.open());
  await store.getCase(SEF.id, script.caseId);
  await store.appendCaseEvents(script.next(note("n1"), "ada"));
  // Another process appends: the rows it wrote are validated when read.
  await other.appendCaseEvents(script.next(note("n2"), "ada"));
  const again = await store.getCase(SEF.id, script.caseId);
  if (again === undefined) expect.fail("the case is gone");
  const fresh = openSqliteStore({ path });
  expect(again).toEqual(await fresh.getCase(SEF.id, script.caseId));
  expect(again.version).toBe(3);
  // Shared between reads, so frozen: no reader can change what the next one is given.
  expect(Object.isFrozen(again.events[0])).toBe(true);
  expect(() => (again.events as unknown[]).push({})).not.toThrow();
  expect((await store.getCase(SEF.id, script.caseId))?.events).toHaveLength(3);
  await Promise.all([store.close(), other.close(), fresh.close()]);
});

it("refuses a history changed outside Reach after it was read", async () => {
  const store = openSqliteStore({ path: newFile() });
  const script = new CaseScript(SEF, "stu-1");
  await store.appendCaseEvents(script.open());
  await store.appendCaseEvents(script.next(note("n1"), "ada"));
  expect((await store.getCase(SEF.id, script.caseId))?.version).toBe(2);
  // A valid event moved out of place: each row validates, the history does not.
  store.db
    .prepare("UPDATE case_events SET body = json_set(body, '$.version', 5) WHERE version = 1")
    .run();
  await expect(store.getCase(SEF.id, script.caseId)).rejects.toMatchObject({
    code: "corrupt_record",
  });
  // A row that no longer validates, then the history put back: read as stored each time.
  store.db
    .prepare("UPDATE case_events SET body = json_set(body, '$.version', 1) WHERE version = 1")
    .run();
  expect((await store.getCase(SEF.id, script.caseId))?.version).toBe(2);
  store.db
    .prepare("UPDATE case_events SET body = json_set(body, '$.type', 'nothing') WHERE version = 0")
    .run();
  await expect(store.getCase(SEF.id, script.caseId)).rejects.toMatchObject({
    code: "corrupt_record",
    message: expect.stringContaining("event 0"),
  });
  await store.close();
});

it("shows a note's text changed by another writer, not the text it read before", async () => {
  const store = openSqliteStore({ path: newFile() });
  const script = new CaseScript(SEF, "stu-1");
  await store.appendCaseEvents(script.open());
  await store.appendCaseEvents(script.next(note("n1"), "ada"));
  await store.getCase(SEF.id, script.caseId);
  store.db
    .prepare("UPDATE case_events SET body = json_set(body, '$.text', 'changed') WHERE version = 1")
    .run();
  const read = await store.getCase(SEF.id, script.caseId);
  expect(read?.events[1]).toMatchObject({ type: "note_added", text: "changed" });
  await store.close();
});
