/**
 * The store contract for erasure: appending `erased` rewrites the stored history so that no
 * personal data or note text is left, keeps every event (so the counts stay), blanks the
 * case's outbox payloads and records the erasure. Where the adapter can show every record
 * it holds (`everything`), no record anywhere may still hold the student.
 */
import { expect, it } from "vitest";
import { eraseStudent } from "../../src/app/erase-student.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR, ERASED_STUDENT_ID } from "../../src/cases/case-vocabulary.ts";
import type { StudentId } from "../../src/cases/ids.ts";
import type { RuleState } from "../../src/rules/rule-state.ts";
import type { Store } from "../../src/store/store.ts";
import { at, CaseScript, EVIDENCE, LAW, SEF } from "./store-fixtures.ts";

const SECRETS = ["stu-4821", "PRIVATE", EVIDENCE];

async function storeFullCase(store: Store): Promise<CaseScript> {
  const script = new CaseScript(SEF, "stu-4821");
  const steps = [
    script.open(),
    script.next({ type: "confirm" }, "ada"),
    script.next(
      { type: "log_contact", channel: "phone", outcome: "reached", note: "PRIVATE call" },
      "ada",
    ),
    script.next(
      { type: "add_note", noteId: "n1", text: "PRIVATE restricted", visibility: "restricted" },
      "ada",
    ),
    script.next({ type: "propose_outreach", outreachId: "o1", text: "PRIVATE hello" }, "ada"),
    script.next({ type: "approve_outreach", outreachId: "o1" }, "ada", ["student_message"]),
  ];
  for (const step of steps) expect(await store.appendCaseEvents(step)).toMatchObject({ ok: true });
  return script;
}

/** A rule state that remembers `students` under `policyId`. */
function ruleStateOf(policyId: string, students: readonly string[]): RuleState {
  return {
    policyId,
    holding: students.map((studentId) => ({
      studentId,
      ruleId: "low-attendance",
      runs: 2,
      runsBefore: 1,
      since: 20_000,
      lastDay: 20_001,
    })),
    cooldowns: students.map((studentId) => ({ studentId, until: 20_010 })),
    snoozes: students.map((studentId) => ({ studentId, until: 20_005 })),
  };
}

export function erasureContract(
  store: () => Store,
  everything: ((store: Store) => Promise<string>) | undefined,
): void {
  const dump = () => (everything as (store: Store) => Promise<string>)(store());

  it.runIf(everything !== undefined)(
    "leaves no record anywhere in the database that holds the student",
    async () => {
      const script = await storeFullCase(store());
      const before = await dump();
      for (const secret of SECRETS) expect(before).toContain(secret);

      await store().appendCaseEvents(script.next({ type: "erase" }, "adm", ["card_update"]));
      await store().finishInterrupted();
      const after = await dump();
      for (const secret of SECRETS) expect(after).not.toContain(secret);
    },
  );

  it.runIf(everything !== undefined)(
    "erases a student (the use case): cases, rule states, nothing left but other students",
    async () => {
      const script = await storeFullCase(store());
      const other = new CaseScript(SEF, "stu-7777");
      await store().appendCaseEvents(other.open());
      await store().appendCaseEvents(
        other.next(
          { type: "add_note", noteId: "n9", text: "KEEP other", visibility: "team" },
          "ada",
        ),
      );
      await store().saveRuleState(
        SEF.id,
        "2026-11-20",
        ruleStateOf(SEF.id, ["stu-4821", "stu-7777"]),
      );
      // No case under law-ug, but a condition holding there: the rule state remembers.
      await store().saveRun({
        runId: "law-run",
        policyId: LAW.id,
        asOf: "2026-11-20",
        startedAt: at(0),
        status: "succeeded",
        counts: {},
        errors: [],
      });
      await store().saveRuleState(LAW.id, "2026-11-20", ruleStateOf(LAW.id, ["stu-4821"]));
      expect(await dump()).toContain("stu-4821");

      const result = await eraseStudent({
        store: store(),
        studentId: "stu-4821" as StudentId,
        at: at(100),
        actor: "cli:test",
      });
      expect(result).toEqual({
        erased: 1,
        failed: [],
        quarantineRowsRemoved: 0,
        conversationsRemoved: 0,
      });
      await store().finishInterrupted();
      const after = await dump();
      for (const secret of ["stu-4821", "PRIVATE"]) expect(after).not.toContain(secret);
      expect(after).toContain("stu-7777");
      expect(after).toContain("KEEP other");
      expect((await store().loadRuleState(SEF.id))?.state).toEqual(
        ruleStateOf(SEF.id, ["stu-7777"]),
      );
      expect((await store().loadRuleState(LAW.id))?.state).toEqual(ruleStateOf(LAW.id, []));
      expect((await store().getCase(SEF.id, script.caseId))?.events.at(-1)?.type).toBe("erased");
      // Erasing again finds nothing more to do.
      expect(
        await eraseStudent({
          store: store(),
          studentId: "stu-4821" as StudentId,
          at: at(101),
          actor: "t",
        }),
      ).toEqual({ erased: 0, failed: [], quarantineRowsRemoved: 0, conversationsRemoved: 0 });
    },
  );

  it("erases personal data and note text from the stored history, keeping the counts", async () => {
    const script = await storeFullCase(store());
    const before = foldCase(script.events);
    const erase = script.next({ type: "erase" }, "adm", ["card_update"]);
    const result = await store().appendCaseEvents(erase);
    expect(result).toMatchObject({ ok: true, case: { version: 7 } });

    const stored = await store().getCase(SEF.id, script.caseId);
    expect(stored?.events).toHaveLength(7);
    expect(stored?.events.map((e) => e.type)).toEqual(script.events.map((e) => e.type));
    const text = JSON.stringify(stored);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const after = foldCase(stored?.events ?? []);
    expect(after).toMatchObject({ status: "erased", studentId: ERASED_STUDENT_ID });
    expect(after?.counts).toEqual(before?.counts);
    expect(after?.counts).toMatchObject({ contactAttempts: 1, notes: 1, restrictedNotes: 1 });

    const [summary] = await store().listCases({ caseId: script.caseId });
    expect(summary).toMatchObject({ status: "erased", studentId: ERASED_STUDENT_ID, version: 7 });
    expect(await store().listCases({ studentId: "stu-4821" })).toEqual([]);
    expect(await store().findOpenCase(SEF.id, "stu-4821")).toBeUndefined();
  });

  it("records the erasure and keeps the audit trail", async () => {
    const script = await storeFullCase(store());
    const erase = script.next({ type: "erase" }, "adm");
    await store().appendCaseEvents(erase);
    expect(await store().listErasures()).toEqual([
      { policyId: SEF.id, caseId: script.caseId, actor: "adm", at: erase.events[0].at, events: 7 },
    ]);
    expect(await store().listErasures("law-ug")).toEqual([]);
    const audit = await store().listAudit(SEF.id, script.caseId);
    expect(audit.map((a) => a.action)).toEqual([
      "open",
      "confirm",
      "log_contact",
      "add_note",
      "propose_outreach",
      "approve_outreach",
      "erase",
    ]);
    for (const secret of SECRETS) expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it("blanks the case's outbox: what was waiting is never sent, what was sent says nothing", async () => {
    const script = await storeFullCase(store());
    const [card] = await store().claimDue("2026-11-23T12:00:00Z", 1, 60_000, "worker");
    expect(card.kind).toBe("case_card");
    await store().markSent(card, "activity-card", "2026-11-23T12:00:01Z");
    // A worker is sending the student's message when the case is erased.
    const sending = (await store().listOutbox({ caseId: script.caseId })).find(
      (e) => e.kind === "student_message",
    );
    expect(sending && (await store().markSending(sending, "2026-11-23T12:00:02Z"))).toBe(true);
    const erase = script.next({ type: "erase" }, "adm", ["card_update"]);
    await store().appendCaseEvents(erase);

    const entries = await store().listOutbox({ caseId: script.caseId });
    for (const secret of SECRETS) expect(JSON.stringify(entries)).not.toContain(secret);
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(byId.get(card.id)).toMatchObject({
      status: "sent",
      activityId: "activity-card",
      payload: null,
    });
    const message = entries.find((e) => e.kind === "student_message");
    expect(message).toMatchObject({ status: "dead", payload: null });
    expect(message).not.toHaveProperty("sendingAt");
    // The change that erased the case still updates its card.
    const update = byId.get(erase.outbox?.[0].id ?? "");
    expect(update).toMatchObject({ status: "pending", kind: "card_update" });
  });

  it("recognises a retried erasure", async () => {
    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    const erase = script.next({ type: "erase" }, ENGINE_ACTOR);
    await store().appendCaseEvents(erase);
    // A retry of the erasure is recognised even though the history was rewritten after it.
    expect(await store().appendCaseEvents(erase)).toMatchObject({ ok: true, replayed: true });
    expect(await store().listErasures()).toHaveLength(1);
  });
}
