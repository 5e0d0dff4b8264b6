/**
 * Card updates queued behind each other go out as one: on the real SQLite store, with the
 * real planner and delivery worker, three changes to a case made before the worker gets
 * to them become one update of the card (showing all three) and three lines in its
 * thread, in order; a change made after an update was sent is sent as its own update.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { caseFollowUps } from "../../src/app/act-on-case.ts";
import { buildDirectory, DirectoryHolder } from "../../src/app/directory.ts";
import type { Student } from "../../src/data/schema.ts";
import type { Connector, OutgoingActivity } from "../../src/delivery/index.ts";
import { DeliveryWorker } from "../../src/delivery/index.ts";
import type { Policy } from "../../src/rules/index.ts";
import { cardUpdateVersionOf, outboxIdFor } from "../../src/store/index.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { TeamsPlanner } from "../../src/teams/delivery-planner.ts";
import { createPresenter } from "../../src/teams/presenter.ts";
import { ADA_STAFF, CaseScript, SEF } from "../store/store-fixtures.ts";

const CHANNEL = "19:cases@thread.tacv2";
const ADA = ADA_STAFF;
const SAM = {
  id: "s-1",
  displayName: "Sam Taylor",
  school: "sef",
  adviserIds: ["ada"],
  status: "active",
} as Student;

/** Teams' side: answers every request at once and keeps them in order. */
class Recording implements Connector {
  readonly requests: { op: string; activityId?: string; activity: OutgoingActivity }[] = [];
  private next = 0;
  async post(_c: string, activity: OutgoingActivity) {
    const activityId = `act-${++this.next}`;
    this.requests.push({ op: "post", activityId, activity });
    return { activityId };
  }
  async reply(_c: string, threadActivityId: string, activity: OutgoingActivity) {
    this.requests.push({ op: "reply", activityId: threadActivityId, activity });
    return { activityId: `act-${++this.next}` };
  }
  async update(_c: string, activityId: string, activity: OutgoingActivity) {
    this.requests.push({ op: "update", activityId, activity });
  }
}

const cardText = (activity: OutgoingActivity) => JSON.stringify(activity.attachments);
const note = (text: string) =>
  ({ type: "add_note", noteId: "n1", text, visibility: "team" }) as const;

describe("card updates queued behind each other", () => {
  let store: SqliteStore;
  let connector: Recording;
  let worker: DeliveryWorker;
  let script: CaseScript;

  beforeEach(async () => {
    store = openSqliteStore({ path: ":memory:" });
    const policy = { ...SEF, name: "SEF", timezone: "Europe/London" } as unknown as Policy;
    const directory = new DirectoryHolder(
      buildDirectory([policy], { staff: [ADA], students: [SAM] }, "2026-11-23T09:00:00.000Z"),
    );
    await store.saveBinding({
      policyId: SEF.id,
      conversationId: CHANNEL,
      boundBy: "test",
      boundAt: "2026-11-23T09:00:00.000Z",
    });
    connector = new Recording();
    worker = new DeliveryWorker({
      store,
      planner: new TeamsPlanner(store, createPresenter(directory)),
      connector,
    });
    script = new CaseScript(SEF, SAM.id);
    await store.appendCaseEvents(script.open());
    await worker.drainUntilIdle();
  });
  afterEach(async () => {
    await store.close();
  });

  /** A change with a card update and a line in the thread, as a card action writes them. */
  async function change(body: Parameters<CaseScript["next"]>[0]) {
    const request = script.request(body, "ada");
    const line = `Ada Wilson: ${body.type} (version ${request.expectedVersion})`;
    request.outbox = caseFollowUps(
      script.caseId,
      request.expectedVersion,
      "2026-11-23T10:00:00.000Z",
      line,
    );
    await store.appendCaseEvents(script.accept(request));
  }

  it("sends one update showing all three changes, and every line of the thread in order", async () => {
    expect(connector.requests.map((r) => r.op)).toEqual(["post"]);
    await change({ type: "confirm" });
    await change({ type: "log_contact", channel: "phone", outcome: "no_answer" });
    await change(note("Called home; will try again."));
    await worker.drainUntilIdle();

    const sent = connector.requests.slice(1);
    // Each case's entries go in the order written: update v1, reply v1, update v2, …
    expect(sent.map((r) => r.op)).toEqual(["update", "reply", "reply", "reply"]);
    expect(sent.every((r) => r.activityId === "act-1")).toBe(true);
    expect(sent.slice(1).map((r) => r.activity.text)).toEqual([
      "Ada Wilson: confirm (version 1)",
      "Ada Wilson: log_contact (version 2)",
      "Ada Wilson: add_note (version 3)",
    ]);
    const card = cardText(sent[0].activity);
    expect(card).toContain("Active");
    expect(card).toContain("Called home; will try again.");
    expect(card).toContain("no answer");

    const updates = (await store.listOutbox({ caseId: script.caseId })).filter(
      (e) => e.kind === "card_update",
    );
    expect(updates.map((e) => [cardUpdateVersionOf(e.id), e.status, e.activityId])).toEqual([
      [1, "sent", "act-1"],
      [2, "sent", undefined],
      [3, "sent", undefined],
    ]);
  });

  it("sends a change made after an update went out as its own update", async () => {
    await change({ type: "confirm" });
    await worker.drainUntilIdle();
    await change(note("Met in the library."));
    await worker.drainUntilIdle();

    const ops = connector.requests.map((r) => r.op);
    expect(ops).toEqual(["post", "update", "reply", "update", "reply"]);
    expect(cardText(connector.requests[1].activity)).not.toContain("Met in the library.");
    expect(cardText(connector.requests[3].activity)).toContain("Met in the library.");
  });

  it("reads the change's version from an update's id, and nothing from other ids", () => {
    expect(cardUpdateVersionOf(outboxIdFor("sef-eng-20261120-ab12", 7, "card_update"))).toBe(7);
    expect(cardUpdateVersionOf(outboxIdFor("sef-eng-20261120-ab12", 7, "thread_reply"))).toBe(
      undefined,
    );
    expect(cardUpdateVersionOf(outboxIdFor("x", 0, "case_card"))).toBe(undefined);
    expect(cardUpdateVersionOf("x:v:card_update")).toBe(undefined);
    // Beyond nine digits it is no version Reach wrote: the update is sent, never skipped.
    expect(cardUpdateVersionOf("x:v12345678901:card_update")).toBe(undefined);
    expect(cardUpdateVersionOf("x:v7:card_update:1")).toBe(undefined);
  });
});
