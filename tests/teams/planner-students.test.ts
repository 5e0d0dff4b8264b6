/**
 * The delivery planner's side of a message to a student, on the real SQLite store: a
 * message approved before the student opted out (say, held over a weekend by quiet hours)
 * is not sent, and the case says why; a student with no Entra id in the data is recorded
 * as not reachable; without a way to install Reach (no Graph), a student who never opened
 * it is recorded too, with the text kept.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildDirectory, DirectoryHolder } from "../../src/app/directory.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR, STUDENT_ACTOR } from "../../src/cases/case-vocabulary.ts";
import type { Student } from "../../src/data/schema.ts";
import type { Policy } from "../../src/rules/index.ts";
import type { OutboxEntry } from "../../src/store/outbox-records.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { TeamsPlanner } from "../../src/teams/delivery-planner.ts";
import { createPresenter } from "../../src/teams/presenter.ts";
import { ADA_STAFF, CaseScript, SEF } from "../store/store-fixtures.ts";

const TEXT = "Hi Sam, it's Ada. How are things? Reply here any time.";

function student(id: string, aad?: string): Student {
  return {
    id,
    displayName: "Sam Taylor",
    school: "sef",
    adviserIds: ["ada"],
    status: "active",
    ...(aad !== undefined && { aadObjectId: aad }),
  } as Student;
}
const ADA = ADA_STAFF;

describe("the planner and messages to students", () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = openSqliteStore({ path: ":memory:" });
  });
  afterEach(async () => {
    await store.close();
  });

  function planner(students: Student[]) {
    const policy = { ...SEF, name: "SEF", timezone: "Europe/London" } as unknown as Policy;
    const directory = new DirectoryHolder(
      buildDirectory([policy], { staff: [ADA], students }, "2026-11-23T09:00:00.000Z"),
    );
    return new TeamsPlanner(store, createPresenter(directory), {
      directory,
      bot: { id: "reach-bot", name: "Reach" },
      schoolName: () => "Sefton",
      now: () => new Date("2026-11-23T10:00:00.000Z"),
    });
  }

  /** A confirmed case of `studentId` with a message approved and queued; its outbox entry. */
  async function approved(studentId: string): Promise<{ script: CaseScript; entry: OutboxEntry }> {
    const script = new CaseScript(SEF, studentId);
    await store.appendCaseEvents(script.open());
    await store.appendCaseEvents(script.next({ type: "confirm" }, "ada"));
    await store.appendCaseEvents(
      script.next({ type: "approve_outreach", outreachId: "m1", text: TEXT }, "ada", [
        "student_message",
      ]),
    );
    const [entry] = (await store.listOutbox({ caseId: script.caseId })).filter(
      (e) => e.kind === "student_message",
    );
    return { script, entry };
  }
  async function outreachOf(script: CaseScript) {
    const stored = await store.getCase(SEF.id, script.caseId);
    return foldCase(stored?.events ?? [])?.outreach[0];
  }

  it("does not send a message the student opted out of before it went, and says so on the case", async () => {
    const { script, entry } = await approved("stu-1");
    // The student answers an earlier message with "Stop these messages" (on this case).
    const optOut = script.request({ type: "opt_out" }, STUDENT_ACTOR, ["card_update"]);
    await store.appendCaseEvents(optOut);
    script.accept(optOut);
    const plan = await planner([student("stu-1", "aad-sam")]).plan(entry);
    expect(plan).toEqual({ op: "skip", reason: "the student asked Reach not to message them" });
    expect(await outreachOf(script)).toMatchObject({
      stage: "failed",
      text: TEXT,
      failure: { reason: "opted_out" },
    });
  });

  it("records a student with no Entra id in the data as not reachable, keeping the text", async () => {
    const { script, entry } = await approved("stu-2");
    const plan = await planner([student("stu-2")]).plan(entry);
    expect(plan).toMatchObject({ op: "skip" });
    expect(await outreachOf(script)).toMatchObject({
      stage: "failed",
      text: TEXT,
      failure: { reason: "not_in_data" },
    });
  });

  it("records a student who never opened Reach when it cannot install itself (no Graph)", async () => {
    const { script, entry } = await approved("stu-3");
    const plan = await planner([student("stu-3", "aad-sam3")]).plan(entry);
    expect(plan).toMatchObject({ op: "skip" });
    expect(await outreachOf(script)).toMatchObject({
      stage: "failed",
      failure: { reason: "other" },
    });
  });

  it("posts to the student's own chat, and records it sent once the worker says so", async () => {
    const { script, entry } = await approved("stu-4");
    await store.saveConversation({
      id: "a:chat-stu-4",
      kind: "personal",
      tenantId: "t",
      userAadObjectId: "AAD-SAM4",
      reference: { serviceUrl: "https://smba.example/", conversation: { id: "a:chat-stu-4" } },
      updatedAt: "2026-11-23T09:00:00.000Z",
    });
    const p = planner([student("stu-4", "aad-sam4")]);
    const plan = await p.plan(entry);
    expect(plan).toMatchObject({ op: "post", conversationId: "a:chat-stu-4" });
    await p.settled(entry, { kind: "sent", activityId: "act-9" });
    expect(await outreachOf(script)).toMatchObject({ stage: "sent", activityId: "act-9" });
    // Told twice (a retry of the record): recorded once.
    await p.settled(entry, { kind: "sent", activityId: "act-9" });
    const stored = await store.getCase(SEF.id, script.caseId);
    expect(stored?.events.filter((e) => e.type === "outreach_sent")).toHaveLength(1);
    expect(stored?.events.at(-1)?.actor).toBe(ENGINE_ACTOR);
  });
});
