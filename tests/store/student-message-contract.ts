/**
 * The store contract for messages to students: a `student_message` outbox entry is stored
 * only with a person's approval of exactly its text, in the same change. Whatever a caller
 * (a card, a script, a bug) sends, anything else is refused and nothing is written.
 */
import { expect, it } from "vitest";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import type { AppendRequest } from "../../src/store/case-records.ts";
import type { OutboxDraft } from "../../src/store/outbox-records.ts";
import type { Store } from "../../src/store/store.ts";
import { StoreError } from "../../src/store/store-error.ts";
import { CaseScript, SEF } from "./store-fixtures.ts";

const TEXT = "Hi Sam, it's Ada. How are things going? Reply here any time.";

/** A confirmed case of stu-1, stored; `ada` may message the student. */
async function confirmedCase(store: Store): Promise<CaseScript> {
  const script = new CaseScript(SEF, "stu-1");
  await store.appendCaseEvents(script.open());
  await store.appendCaseEvents(script.next({ type: "confirm" }, "ada"));
  return script;
}

function messageDraft(script: CaseScript, text = TEXT, outreachId = "m1"): OutboxDraft {
  return {
    id: `student-message:${script.caseId}:${outreachId}`,
    kind: "student_message",
    payload: { caseId: script.caseId, outreachId, text },
    createdAt: "2026-11-23T10:00:00.000Z",
  };
}

/** `request` with its outbox replaced by a card update and `drafts`. */
function withMessage(request: AppendRequest, ...drafts: OutboxDraft[]): AppendRequest {
  return { ...request, outbox: [...(request.outbox ?? []), ...drafts] };
}

async function refused(store: Store, request: AppendRequest, because: RegExp): Promise<void> {
  const error = await store.appendCaseEvents(request).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe("invalid_request");
  expect((error as Error).message).toMatch(because);
}

export function studentMessageContract(store: () => Store): void {
  it("stores a message with the approval of its exact text, by a person, in the same change", async () => {
    const script = await confirmedCase(store());
    const approve = script.request(
      { type: "approve_outreach", outreachId: "m1", text: TEXT },
      "ada",
      ["card_update"],
    );
    const result = await store().appendCaseEvents(withMessage(approve, messageDraft(script)));
    expect(result.ok).toBe(true);
    const messages = await store().listOutbox({ caseId: script.caseId });
    expect(messages.filter((e) => e.kind === "student_message")).toMatchObject([
      { kind: "student_message", payload: { outreachId: "m1", text: TEXT }, status: "pending" },
    ]);
  });

  it("refuses a message with no approval in the change, and writes nothing", async () => {
    const script = await confirmedCase(store());
    const note = script.request(
      { type: "add_note", noteId: "n1", text: "Called home.", visibility: "team" },
      "ada",
      ["card_update"],
    );
    await refused(store(), withMessage(note, messageDraft(script)), /no approval of message m1/);
    const stored = await store().getCase(SEF.id, script.caseId);
    expect(stored?.version).toBe(2);
    expect(await store().listOutbox({ caseId: script.caseId, status: "pending" })).toHaveLength(2);
  });

  it("refuses a message whose text differs from the approved text by one character", async () => {
    const script = await confirmedCase(store());
    const approve = script.request(
      { type: "approve_outreach", outreachId: "m1", text: TEXT },
      "ada",
      ["card_update"],
    );
    await refused(
      store(),
      withMessage(approve, messageDraft(script, `${TEXT}!`)),
      /not the text that was approved/,
    );
    await refused(
      store(),
      withMessage(approve, messageDraft(script, TEXT, "m2")),
      /no approval of message m2/,
    );
    expect((await store().getCase(SEF.id, script.caseId))?.version).toBe(2);
  });

  it("refuses an approval signed by Reach's engine (forged past decide)", async () => {
    const script = await confirmedCase(store());
    const approve = script.request(
      { type: "approve_outreach", outreachId: "m1", text: TEXT },
      "ada",
      ["card_update"],
    );
    const forged = approve.events.map((e) => ({ ...e, actor: ENGINE_ACTOR }) as CaseEvent);
    await refused(
      store(),
      withMessage({ ...approve, events: forged }, messageDraft(script)),
      /approved by Reach's engine/,
    );
  });

  it("refuses a message without a message id or text", async () => {
    const script = await confirmedCase(store());
    const approve = script.request(
      { type: "approve_outreach", outreachId: "m1", text: TEXT },
      "ada",
      ["card_update"],
    );
    const bare = { ...messageDraft(script), payload: { caseId: script.caseId } };
    await refused(store(), withMessage(approve, bare), /names no message id or text/);
  });

  it("never takes a message to a student on its own, outside a case change", async () => {
    const error = await store()
      .enqueueOutbox([
        {
          id: "student-message:x",
          policyId: SEF.id,
          kind: "student_message",
          payload: { outreachId: "m1", text: TEXT },
          createdAt: "2026-11-23T10:00:00.000Z",
        },
      ])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(StoreError);
    expect(await store().listOutbox({ policyId: SEF.id })).toEqual([]);
  });

  it("takes a message to a member of staff (a student's reply, told to their adviser)", async () => {
    const entry = {
      id: "staff-message:x",
      policyId: SEF.id,
      kind: "staff_message" as const,
      payload: { staffId: "ada", text: "Sam replied: I'd like to talk." },
      createdAt: "2026-11-23T10:00:00.000Z",
    };
    expect(await store().enqueueOutbox([entry])).toBe(1);
  });
}
