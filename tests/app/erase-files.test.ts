/**
 * Erasure that erases: after `eraseStudent`, no byte of the SQLite database,
 * its -wal and -shm files or the quarantine folder spells the student's id, name or email,
 * a note written about them or the evidence of their case. Deleted rows must not live on
 * in free pages or cells (secure_delete), nor old page images in the WAL (the checkpoint).
 * The other students' data stays, so the search below is shown to find what is there.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { eraseStudent } from "../../src/app/erase-student.ts";
import { rosterOf } from "../../src/cases/authorise.ts";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { decide } from "../../src/cases/decide.ts";
import type { StudentId } from "../../src/cases/ids.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import type { StoredCase } from "../../src/store/case-records.ts";
import { outboxIdFor } from "../../src/store/ids.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const POLICY = "samples/teams-demo/northfield-policy.yaml";
const DATA = "samples/demo-school";
const NOTE = "Zephyrine told me about the eviction notice on Larkspur Row";
const EMAIL = "walsh.private@example.org";
const STUDENT_AAD = "7f3e2a91-5b1c-4d0e-9a8f-3c6b2e1d4a57";

const dir = mkdtempSync(join(tmpdir(), "reach-erase-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file that could hold a copy: the database's three and the quarantine CSVs. */
function files(db: string, quarantine: string): string[] {
  const dbFiles = [db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f));
  return [...dbFiles, ...readdirSync(quarantine).map((f) => join(quarantine, f))];
}

/** The files whose bytes hold `needle` (as UTF-8). */
function holding(paths: readonly string[], needle: string): string[] {
  const bytes = Buffer.from(needle, "utf8");
  return paths.filter((p) => readFileSync(p).includes(bytes)).map((p) => p.slice(dir.length + 1));
}

function evidenceOf(events: readonly CaseEvent[]): string[] {
  return events.flatMap((e) =>
    e.type === "opened" ? e.signals.flatMap((s) => s.conditions.map((c) => c.evidence)) : [],
  );
}

it("leaves no copy of an erased student in the database files or the quarantine folder", async () => {
  const db = join(dir, "reach.db");
  const quarantine = join(dir, "quarantine");
  const store = openSqliteStore({ path: db });
  const loaded = await loadPolicyFile(POLICY);
  if (!loaded.ok) throw new Error("the demo policy does not load");
  const policy = loaded.policy;
  const { dataset } = await importCanonical(DATA);
  const run = await applyRun({
    store,
    policy,
    dataset,
    asOf: parseIsoDate("2027-01-29") as number,
    at: "2027-01-29T07:00:00.000Z",
    owner: "test",
  });
  expect(run.opened).toBeGreaterThan(3);

  // A student whose evidence sentences no other case shares, so their absence means erased.
  const cases = await Promise.all(
    (await store.listCases({ policyId: policy.id })).map(
      async (c) => (await store.getCase(c.policyId, c.caseId)) as StoredCase,
    ),
  );
  const evidence = new Map(cases.map((c) => [c.caseId, evidenceOf(c.events)]));
  const count = (sentence: string) =>
    [...evidence.values()].filter((list) => list.includes(sentence)).length;
  const target = cases.find((c) => (evidence.get(c.caseId) ?? []).every((s) => count(s) === 1));
  const other = cases.find((c) => c !== target);
  if (!target || !other) throw new Error("no case with evidence of its own");
  const opened = target.events[0];
  if (opened.type !== "opened") throw new Error("a case starts with opened");
  const student = dataset.students[dataset.studentIndex.get(opened.studentId) ?? -1];
  const otherStudent = other.events[0].type === "opened" ? other.events[0].studentId : "";

  // A restricted note, as a card's Add note makes it (src/app/act-on-case.ts), with a
  // thread reply that names the student: the worst a payload could hold.
  const at = "2027-01-29T09:00:00.000Z";
  const decision = decide(
    target.events,
    {
      type: "add_note",
      version: target.version,
      at,
      noteId: "note-1",
      text: NOTE,
      visibility: "restricted",
    },
    "T-ADELE",
    { caseId: target.caseId, student, policy, roster: rosterOf(dataset.staff) },
  );
  if (!decision.ok) throw new Error(decision.refusal.message);
  const noted = await store.appendCaseEvents({
    policyId: policy.id,
    caseId: target.caseId,
    expectedVersion: target.version,
    events: decision.events,
    outbox: [
      {
        id: outboxIdFor(target.caseId, target.version, "thread_reply"),
        kind: "thread_reply",
        payload: {
          caseId: target.caseId,
          text: `Adele Vance added a note on ${student.displayName}`,
        },
        createdAt: at,
      },
    ],
    audit: [decision.audit],
  });
  expect(noted.ok).toBe(true);

  // Rejected rows of an import: one with the id, one that names the student without it.
  mkdirSync(quarantine);
  writeFileSync(
    join(quarantine, "canonical-2027-01-29.csv"),
    [
      "file,line,field,code,reason,raw",
      `students.csv,7,year,invalid_value,"year ""Y99"" is not known","${student.id},${student.displayName},${EMAIL},Y99"`,
      `students.csv,9,id,missing_field,id is missing,",${student.displayName},sch1,Y10"`,
      `attendance.csv,12,status,invalid_value,unknown status,"${otherStudent},2027-01-04,sick"`,
      "",
    ].join("\n"),
  );

  // The student's chat with Reach (they answered a message): it holds their Entra id.
  await store.saveConversation({
    id: "19:chat-with-the-student@unq.gbl.spaces",
    kind: "personal",
    tenantId: "tenant-1",
    userAadObjectId: STUDENT_AAD,
    reference: {
      conversation: { id: "19:chat-with-the-student@unq.gbl.spaces", conversationType: "personal" },
      serviceUrl: "https://smba.trafficmanager.net/uk/",
    },
    updatedAt: at,
  });

  const needles = [
    student.id,
    student.displayName,
    EMAIL,
    NOTE,
    STUDENT_AAD,
    "19:chat-with-the-student@unq.gbl.spaces",
    ...(evidence.get(target.caseId) ?? []),
  ];
  const before = files(db, quarantine);
  for (const needle of needles) expect(holding(before, needle), needle).not.toEqual([]);

  const result = await eraseStudent({
    store,
    studentId: student.id as StudentId,
    at: "2027-01-30T10:00:00.000Z",
    quarantineDir: quarantine,
    actor: "cli:test",
    alsoKnownAs: [student.displayName],
    aadObjectIds: [STUDENT_AAD],
  });
  expect(result).toEqual({
    erased: 1,
    failed: [],
    quarantineRowsRemoved: 2,
    conversationsRemoved: 1,
  });

  // While the store is still open (a copy taken now), and once it is closed.
  for (const phase of ["open", "closed"]) {
    if (phase === "closed") await store.close();
    const after = files(db, quarantine);
    for (const needle of needles) expect(holding(after, needle), `${phase}: ${needle}`).toEqual([]);
    // What is not the student's stays: the search finds it.
    expect(holding(after, otherStudent), phase).toContain("reach.db");
    expect(holding(after, otherStudent), phase).toContain("quarantine/canonical-2027-01-29.csv");
    for (const sentence of evidence.get(other.caseId) ?? []) {
      expect(holding(after, sentence), phase).not.toEqual([]);
    }
  }
  const reopened = openSqliteStore({ path: db });
  expect((await reopened.listCases({ caseId: target.caseId }))[0]).toMatchObject({
    status: "erased",
    version: target.version + 2,
  });
  expect(await reopened.listCases({ studentId: otherStudent })).toHaveLength(1);
  await reopened.close();
});
