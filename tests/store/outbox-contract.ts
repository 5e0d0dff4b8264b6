/**
 * The store contract for the outbox: entries commit with their case change, are claimed
 * under a time-limited claim in creation order, one case at a time, and settle as sent,
 * rescheduled or dead. Times are explicit: nothing here sleeps.
 */
import { expect, it } from "vitest";
import type { OutboxSubmission } from "../../src/store/outbox-records.ts";
import type { Store } from "../../src/store/store.ts";
import { CaseScript, SEF } from "./store-fixtures.ts";

const T0 = "2026-11-23T10:00:00.000Z";
const LEASE = 30_000;

function later(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString();
}

/** Entries of no case, one a minute from 09:00, all due by T0. */
function digests(n: number): OutboxSubmission[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `digest-${i}`,
    policyId: SEF.id,
    kind: "thread_reply" as const,
    payload: { n: i },
    createdAt: new Date(Date.parse("2026-11-23T09:00:00Z") + i * 60_000).toISOString(),
  }));
}

export function outboxContract(store: () => Store): void {
  it("writes a change's entries with it, pending and due when created", async () => {
    const script = new CaseScript(SEF, "stu-1");
    const open = script.open();
    await store().appendCaseEvents(open);
    expect(await store().listOutbox()).toEqual([
      {
        id: open.outbox?.[0].id,
        policyId: SEF.id,
        caseId: script.caseId,
        kind: "case_card",
        payload: { caseId: script.caseId, student: "stu-1", status: "proposed" },
        createdAt: open.events[0].at,
        dueAt: open.events[0].at,
        attempts: 0,
        status: "pending",
      },
    ]);
    expect(await store().countOutbox()).toEqual({ pending: 1, sent: 0, dead: 0 });
    expect(await store().countOutbox("law-ug")).toEqual({ pending: 0, sent: 0, dead: 0 });
  });

  it("takes a channel notice, which names no case", async () => {
    const notice = {
      id: "policy-notice:sef:abc",
      policyId: SEF.id,
      kind: "channel_notice" as const,
      payload: { text: "The policy file was changed, but…" },
      createdAt: "2026-11-23T09:00:00.000Z",
    };
    expect(await store().enqueueOutbox([notice, notice])).toBe(1);
    const [entry] = await store().listOutbox({ policyId: SEF.id });
    expect(entry).toMatchObject({ ...notice, status: "pending", attempts: 0 });
    expect(entry.caseId).toBeUndefined();
  });

  it("takes a digest, which names no case, and a leads' card with its case change", async () => {
    const digest = {
      id: "digest:sef-eng:2026-11-23",
      policyId: SEF.id,
      kind: "digest" as const,
      payload: { policyId: SEF.id, date: "2026-11-23", cases: { opened: 4 } },
      createdAt: "2026-11-23T08:00:00.000Z",
    };
    expect(await store().enqueueOutbox([digest, digest])).toBe(1);
    expect(await store().getOutboxEntry({ policyId: SEF.id, id: digest.id })).toMatchObject({
      ...digest,
      status: "pending",
    });

    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    const change = script.next({ type: "confirm" }, "ada", ["card_update", "leads_card"]);
    expect(await store().appendCaseEvents(change)).toMatchObject({ ok: true, replayed: false });
    expect(await store().listOutbox({ caseId: script.caseId })).toContainEqual(
      expect.objectContaining({
        id: `${script.caseId}:v1:leads_card`,
        kind: "leads_card",
        caseId: script.caseId,
        status: "pending",
      }),
    );
  });

  it("enqueues entries idempotently by id", async () => {
    expect(await store().enqueueOutbox(digests(3))).toBe(3);
    expect(await store().enqueueOutbox(digests(4))).toBe(1);
    expect((await store().listOutbox()).map((e) => e.id)).toEqual([
      "digest-0",
      "digest-1",
      "digest-2",
      "digest-3",
    ]);
  });

  it("claims due entries oldest first, up to the limit, and not those due later", async () => {
    await store().enqueueOutbox([
      ...digests(3),
      { ...digests(1)[0], id: "tomorrow", dueAt: "2026-11-24T09:00:00Z" },
    ]);
    const first = await store().claimDue(T0, 2, LEASE, "w1");
    expect(first.map((e) => e.id)).toEqual(["digest-0", "digest-1"]);
    expect(first[0]).toMatchObject({ claimedBy: "w1", claimedUntil: later(30) });
    const rest = await store().claimDue(T0, 10, LEASE, "w1");
    expect(rest.map((e) => e.id)).toEqual(["digest-2"]);
    expect(await store().claimDue(later(10), 10, LEASE, "w2")).toEqual([]);
    // A day later the entry is due, and the first three claims have long expired.
    const nextDay = await store().claimDue("2026-11-24T09:00:00Z", 10, LEASE, "w2");
    expect(nextDay.map((e) => e.id)).toEqual(["digest-0", "tomorrow", "digest-1", "digest-2"]);
  });

  it("never gives two claimers the same entry", async () => {
    await store().enqueueOutbox(digests(7));
    const [a, b] = await Promise.all([
      store().claimDue(T0, 4, LEASE, "w1"),
      store().claimDue(T0, 4, LEASE, "w2"),
    ]);
    const ids = [...a, ...b].map((e) => e.id);
    expect(new Set(ids).size).toBe(7);
    expect(ids.sort()).toEqual(
      digests(7)
        .map((d) => d.id)
        .sort(),
    );
    expect(await store().claimDue(later(10), 10, LEASE, "w3")).toEqual([]);
  });

  it("frees a claim whose holder crashed once the claim expires", async () => {
    await store().enqueueOutbox(digests(1));
    expect(await store().claimDue(T0, 1, LEASE, "crashed")).toHaveLength(1);
    expect(await store().claimDue(later(29), 1, LEASE, "w2")).toEqual([]);
    const retaken = await store().claimDue(later(30), 1, LEASE, "w2");
    expect(retaken).toEqual([
      expect.objectContaining({ id: "digest-0", claimedBy: "w2", attempts: 0 }),
    ]);
  });

  it("marks an entry sent with its activity id, once", async () => {
    await store().enqueueOutbox(digests(2));
    const [entry] = await store().claimDue(T0, 1, LEASE, "w1");
    expect(await store().markSent(entry, "act-1", later(1))).toBe(true);
    expect(await store().getOutboxEntry(entry)).toMatchObject({
      status: "sent",
      activityId: "act-1",
      sentAt: later(1),
      attempts: 0,
    });
    expect(await store().markSent(entry, "act-2", later(2))).toBe(false);
    expect(await store().getOutboxEntry(entry)).toMatchObject({ activityId: "act-1" });
    // Sent entries are never claimed again, even after their claim would have expired.
    expect((await store().claimDue(later(3600), 10, LEASE, "w2")).map((e) => e.id)).toEqual([
      "digest-1",
    ]);
    expect(await store().countOutbox(SEF.id)).toEqual({ pending: 1, sent: 1, dead: 0 });
  });

  it("reschedules a failed entry: one more attempt, due later, claim released", async () => {
    await store().enqueueOutbox(digests(1));
    const [entry] = await store().claimDue(T0, 1, LEASE, "w1");
    expect(await store().reschedule(entry, later(120), "429 Too Many Requests")).toBe(true);
    expect(await store().getOutboxEntry(entry)).toMatchObject({
      status: "pending",
      attempts: 1,
      dueAt: later(120),
      lastError: "429 Too Many Requests",
    });
    expect(await store().claimDue(later(119), 1, LEASE, "w2")).toEqual([]);
    const [again] = await store().claimDue(later(120), 1, LEASE, "w2");
    expect(again).toMatchObject({ id: entry.id, attempts: 1, claimedBy: "w2" });
    expect(await store().reschedule(again, later(300), "502")).toBe(true);
    expect((await store().getOutboxEntry(entry))?.attempts).toBe(2);
  });

  it("dead-letters an entry for good", async () => {
    await store().enqueueOutbox(digests(1));
    const [entry] = await store().claimDue(T0, 1, LEASE, "w1");
    expect(await store().deadLetter(entry, "403 Forbidden")).toBe(true);
    expect(await store().getOutboxEntry(entry)).toMatchObject({
      status: "dead",
      attempts: 1,
      lastError: "403 Forbidden",
    });
    expect(await store().claimDue(later(3600), 10, LEASE, "w2")).toEqual([]);
    expect(await store().reschedule(entry, later(60), "again")).toBe(false);
    expect(await store().markSent(entry, "act", later(60))).toBe(false);
    expect(await store().listOutbox({ status: "dead" })).toHaveLength(1);
    expect(await store().countOutbox()).toEqual({ pending: 0, sent: 0, dead: 1 });
  });

  it("records that a claimed entry is being sent, keeping its claim", async () => {
    await store().enqueueOutbox(digests(1));
    const [entry] = await store().claimDue(T0, 1, LEASE, "w1");
    expect(entry.sendingAt).toBeUndefined();
    expect(await store().markSending(entry, later(1))).toBe(true);
    expect(await store().getOutboxEntry(entry)).toMatchObject({
      status: "pending",
      attempts: 0,
      sendingAt: later(1),
      claimedBy: "w1",
      claimedUntil: later(30),
    });
    // Marking again (a second try within the same claim) moves the time on.
    expect(await store().markSending(entry, later(2))).toBe(true);
    expect((await store().getOutboxEntry(entry))?.sendingAt).toBe(later(2));
    expect(await store().markSending({ policyId: SEF.id, id: "no-such-entry" }, later(3))).toBe(
      false,
    );
    expect(await store().markSending({ policyId: "law-ug", id: entry.id }, later(3))).toBe(false);
  });

  it("clears sendingAt when the attempt is settled, and marks only pending entries", async () => {
    await store().enqueueOutbox(digests(3));
    const [sent, retried, dead] = await store().claimDue(T0, 3, LEASE, "w1");
    for (const entry of [sent, retried, dead]) {
      expect(await store().markSending(entry, later(1))).toBe(true);
    }
    expect(await store().markSent(sent, "act-1", later(2))).toBe(true);
    expect(await store().reschedule(retried, later(60), "502 Bad Gateway")).toBe(true);
    expect(await store().deadLetter(dead, "403 Forbidden")).toBe(true);
    for (const entry of [sent, retried, dead]) {
      const stored = await store().getOutboxEntry(entry);
      expect(stored?.sendingAt).toBeUndefined();
      expect(stored).not.toHaveProperty("sendingAt");
    }
    expect(await store().getOutboxEntry(retried)).toMatchObject({
      status: "pending",
      attempts: 1,
      dueAt: later(60),
    });

    // Sent and dead entries are not marked, and stay as they were.
    expect(await store().markSending(sent, later(3))).toBe(false);
    expect(await store().markSending(dead, later(3))).toBe(false);
    expect(await store().getOutboxEntry(sent)).toMatchObject({
      status: "sent",
      activityId: "act-1",
      sentAt: later(2),
    });
    expect(await store().getOutboxEntry(sent)).not.toHaveProperty("sendingAt");
    expect(await store().getOutboxEntry(dead)).not.toHaveProperty("sendingAt");
    expect(await store().countOutbox()).toEqual({ pending: 1, sent: 1, dead: 1 });
  });

  it("shows the worker that claims an entry again that an attempt was interrupted", async () => {
    await store().enqueueOutbox(digests(2));
    const [entry] = await store().claimDue(T0, 1, LEASE, "crashed");
    expect(await store().markSending(entry, later(5))).toBe(true);
    // The worker dies between sending and recording the outcome: the claim runs out.
    expect((await store().claimDue(later(29), 10, LEASE, "w2")).map((e) => e.id)).toEqual([
      "digest-1",
    ]);
    const [again] = await store().claimDue(later(30), 10, LEASE, "w3");
    expect(again).toMatchObject({
      id: entry.id,
      status: "pending",
      attempts: 0,
      claimedBy: "w3",
      claimedUntil: later(60),
      sendingAt: later(5),
    });
    // The new worker reconciles, then records the outcome: the mark goes.
    expect(await store().markSent(again, "act-found", later(31))).toBe(true);
    expect(await store().getOutboxEntry(entry)).toMatchObject({
      status: "sent",
      activityId: "act-found",
    });
    expect(await store().getOutboxEntry(entry)).not.toHaveProperty("sendingAt");
  });

  it("holds a case's later entries until its earlier ones are settled", async () => {
    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    await store().appendCaseEvents(
      script.next({ type: "confirm" }, "ada", ["card_update", "thread_reply"]),
    );
    const other = new CaseScript(SEF, "stu-2", "2026-11-20", 5);
    await store().appendCaseEvents(other.open());

    const first = await store().claimDue(T0, 10, LEASE, "w1");
    expect(first.map((e) => [e.caseId, e.kind])).toEqual([
      [script.caseId, "case_card"],
      [other.caseId, "case_card"],
    ]);
    // The card is claimed, not sent: its update and reply wait behind it.
    expect(await store().claimDue(later(10), 10, LEASE, "w2")).toEqual([]);
    await store().markSent(first[0], "act-card", later(11));
    const next = await store().claimDue(later(12), 10, LEASE, "w2");
    expect(next.map((e) => e.kind)).toEqual(["card_update"]);
    await store().markSent(next[0], "act-card", later(13));
    expect((await store().claimDue(later(14), 10, LEASE, "w2")).map((e) => e.kind)).toEqual([
      "thread_reply",
    ]);
  });

  it("writes no entries for a change that does not commit", async () => {
    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    const confirm = script.request({ type: "confirm" }, "ada", ["card_update"]);
    const dismiss = script.request({ type: "dismiss", reason: "data_error" }, "ada", [
      "thread_reply",
    ]);
    expect(await store().appendCaseEvents(confirm)).toMatchObject({ ok: true });
    expect(await store().appendCaseEvents(dismiss)).toMatchObject({ ok: false });
    expect(
      await store().getOutboxEntry({ policyId: SEF.id, id: dismiss.outbox?.[0].id ?? "" }),
    ).toBeUndefined();
    expect((await store().listOutbox()).map((e) => e.kind)).toEqual(["case_card", "card_update"]);
  });
}
