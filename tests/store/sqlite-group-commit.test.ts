/**
 * The SQLite store commits the case appends asked for in one turn of the event loop
 * together (one disk sync for card actions that arrive at once). Each must still be decided
 * on its own, as if it were alone: these tests ask for several without awaiting in between.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { StoreError } from "../../src/store/store-error.ts";
import { CaseScript, SEF } from "./store-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "reach-sqlite-group-"));
let files = 0;
const newFile = () => join(dir, `reach-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const note = (noteId: string) =>
  ({ type: "add_note", noteId, text: `note ${noteId}`, visibility: "team" }) as const;

it("decides each append of a group on its own: a conflict or a failure stays with its request", async () => {
  const store = openSqliteStore({ path: newFile() });
  const a = new CaseScript(SEF, "stu-1001");
  const b = new CaseScript(SEF, "stu-1002");
  // Both opened in one group: two cases at version 1.
  const opened = await Promise.all([
    store.appendCaseEvents(a.open()),
    store.appendCaseEvents(b.open()),
  ]);
  expect(opened.map((r) => r.ok)).toEqual([true, true]);

  // One group of four, in this order: a note on A at version 1 (ok: A goes to 2); another
  // note on A at version 1 (stale: A is at 2 by then); a request that breaks the rules (no
  // events: refused before anything is read); A's case appended under another policy
  // (thrown inside the transaction, rolled back alone); a note on B at version 1 (ok).
  const first = a.request(note("n1"), "ada", ["card_update"]);
  const second = a.request(note("n2"), "bea", ["card_update"]);
  const empty = { ...a.request(note("n3"), "ada"), events: [] };
  const foreign = { ...a.request(note("n4"), "ada"), policyId: "another-policy" };
  const onB = b.request(note("n5"), "ada", ["card_update"]);
  const settled = await Promise.allSettled([
    store.appendCaseEvents(first),
    store.appendCaseEvents(second),
    store.appendCaseEvents(empty),
    store.appendCaseEvents(foreign),
    store.appendCaseEvents(onB),
  ]);
  const [r1, r2, r3, r4, r5] = settled;
  expect(r1.status === "fulfilled" && r1.value).toMatchObject({ ok: true, replayed: false });
  expect(r2.status === "fulfilled" && r2.value).toMatchObject({
    ok: false,
    reason: "stale_version",
    current: { version: 2 },
  });
  expect(r3.status === "rejected" && r3.reason).toBeInstanceOf(StoreError);
  expect(r4.status === "rejected" && r4.reason).toBeInstanceOf(StoreError);
  expect(r5.status === "fulfilled" && r5.value).toMatchObject({ ok: true, replayed: false });

  // What was stored: A opened + n1 (2 events), B opened + n5 (2 events); card_update
  // entries only for n1 and n5, the refused and failed requests left nothing behind.
  expect((await store.getCase(SEF.id, a.caseId))?.version).toBe(2);
  expect((await store.getCase(SEF.id, b.caseId))?.version).toBe(2);
  const updates = (await store.listOutbox({ policyId: SEF.id })).filter(
    (e) => e.kind === "card_update",
  );
  expect(updates.map((e) => e.caseId).sort()).toEqual([a.caseId, b.caseId].sort());
  expect(await store.listAudit(SEF.id, a.caseId)).toHaveLength(2);
  await store.close();
});

it("commits appends still waiting for their group when the store closes", async () => {
  const path = newFile();
  const store = openSqliteStore({ path });
  const a = new CaseScript(SEF, "stu-2001");
  const pending = store.appendCaseEvents(a.open());
  await store.close();
  expect(await pending).toMatchObject({ ok: true });
  const again = openSqliteStore({ path });
  expect((await again.getCase(SEF.id, a.caseId))?.version).toBe(1);
  await again.close();
});
