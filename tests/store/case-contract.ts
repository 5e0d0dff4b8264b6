/**
 * The store contract for cases: create, append, read, list, conflicts, retries and the
 * one-open-case rule. Registered inside `storeContract`'s describe block.
 */
import { expect, it } from "vitest";
import { foldCase } from "../../src/cases/case-state.ts";
import type { Store } from "../../src/store/store.ts";
import { CaseScript, LAW, SEF } from "./store-fixtures.ts";

export function caseContract(store: () => Store): void {
  it("creates a case and reads it back, as a summary and in full", async () => {
    const script = new CaseScript(SEF, "stu-1");
    const created = await store().appendCaseEvents(script.open());
    expect(created).toMatchObject({ ok: true, replayed: false, case: { version: 1 } });

    const stored = await store().getCase(SEF.id, script.caseId);
    expect(stored).toEqual({
      policyId: SEF.id,
      caseId: script.caseId,
      version: 1,
      events: script.events,
    });
    expect(await store().getCase(LAW.id, script.caseId)).toBeUndefined();
    expect(await store().getCase(SEF.id, "no-such-case")).toBeUndefined();
    expect(await store().listCases()).toEqual([
      {
        caseId: script.caseId,
        policyId: SEF.id,
        studentId: "stu-1",
        school: "sef",
        status: "proposed",
        severity: "high",
        version: 1,
        asOf: "2026-11-20",
        openedAt: script.events[0].at,
        updatedAt: script.events[0].at,
      },
    ]);
  });

  it("appends on the current version and keeps the summary in step", async () => {
    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    const confirmed = await store().appendCaseEvents(script.next({ type: "confirm" }, "ada"));
    expect(confirmed).toMatchObject({ ok: true, case: { version: 2 } });
    const noted = await store().appendCaseEvents(
      script.next(
        { type: "add_note", noteId: "n1", text: "Called home", visibility: "team" },
        "ada",
      ),
    );
    expect(noted).toMatchObject({ ok: true, case: { version: 3 } });

    const stored = await store().getCase(SEF.id, script.caseId);
    expect(stored?.events).toEqual(script.events);
    expect(foldCase(stored?.events ?? [])?.status).toBe("active");
    const [summary] = await store().listCases({ caseId: script.caseId });
    expect(summary).toMatchObject({ status: "active", assignee: "ada", version: 3 });
    expect(summary.updatedAt).toBe(script.events[2].at);
  });

  it("lists by policy, status, student and assignee; finds the open case", async () => {
    const a = new CaseScript(SEF, "stu-1");
    const b = new CaseScript(SEF, "stu-2", "2026-11-20", 10);
    const c = new CaseScript(LAW, "stu-3", "2026-11-20", 20);
    await store().appendCaseEvents(a.open());
    await store().appendCaseEvents(b.open());
    await store().appendCaseEvents(c.open());
    await store().appendCaseEvents(b.next({ type: "dismiss", reason: "data_error" }, "ada"));
    await store().appendCaseEvents(c.next({ type: "confirm" }, "cai"));

    const ids = async (filter: Parameters<Store["listCases"]>[0]) =>
      (await store().listCases(filter)).map((s) => s.caseId);
    expect(await ids({})).toEqual([a.caseId, b.caseId, c.caseId]);
    expect(await ids({ policyId: SEF.id })).toEqual([a.caseId, b.caseId]);
    expect(await ids({ status: "dismissed" })).toEqual([b.caseId]);
    expect(await ids({ status: ["proposed", "active"] })).toEqual([a.caseId, c.caseId]);
    expect(await ids({ policyId: SEF.id, status: ["active"] })).toEqual([]);
    expect(await ids({ studentId: "stu-3" })).toEqual([c.caseId]);
    expect(await ids({ assignee: "cai" })).toEqual([c.caseId]);

    expect((await store().findOpenCase(SEF.id, "stu-1"))?.caseId).toBe(a.caseId);
    expect(await store().findOpenCase(SEF.id, "stu-2")).toBeUndefined();
    expect(await store().findOpenCase(SEF.id, "stu-3")).toBeUndefined();
    expect((await store().findOpenCase(LAW.id, "stu-3"))?.version).toBe(2);
  });

  it("refuses an append on a stale version and returns the case as it is", async () => {
    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    const stale = script.request({ type: "dismiss", reason: "not_a_concern" }, "ada");
    await store().appendCaseEvents(script.next({ type: "confirm" }, "ada"));

    const result = await store().appendCaseEvents(stale);
    expect(result).toEqual({
      ok: false,
      reason: "stale_version",
      current: { policyId: SEF.id, caseId: script.caseId, version: 2, events: script.events },
    });
    expect((await store().getCase(SEF.id, script.caseId))?.version).toBe(2);
    expect(await store().listOutbox({ caseId: script.caseId })).toHaveLength(2);
    expect(await store().listAudit(SEF.id, script.caseId)).toHaveLength(2);
  });

  it("treats creating a case that exists as a conflict, and a missing case as not found", async () => {
    const first = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(first.open());
    // The same id, opened again with other signals: not the same change, so not a retry.
    const again = new CaseScript(SEF, "stu-1", "2026-11-20", 30);
    const result = await store().appendCaseEvents(again.open(["no-vle-activity"]));
    expect(result).toMatchObject({ ok: false, reason: "stale_version", current: { version: 1 } });
    expect((await store().getCase(SEF.id, first.caseId))?.events).toEqual(first.events);

    const ghost = new CaseScript(SEF, "stu-9");
    ghost.open();
    const missing = await store().appendCaseEvents(ghost.request({ type: "confirm" }, "ada"));
    expect(missing).toEqual({ ok: false, reason: "not_found" });
    expect(await store().listCases({ studentId: "stu-9" })).toEqual([]);
  });

  it("answers a retried append as replayed and writes nothing twice", async () => {
    const script = new CaseScript(SEF, "stu-1");
    const open = script.open();
    const confirm = script.next({ type: "confirm" }, "ada", ["card_update", "thread_reply"]);
    await store().appendCaseEvents(open);
    await store().appendCaseEvents(confirm);

    const retries = [open, confirm, structuredClone(confirm)];
    for (const request of retries) {
      const result = await store().appendCaseEvents(request);
      expect(result).toMatchObject({ ok: true, replayed: true, case: { version: 2 } });
    }
    expect((await store().getCase(SEF.id, script.caseId))?.events).toEqual(script.events);
    expect(await store().listCases()).toHaveLength(1);
    expect((await store().listOutbox()).map((e) => e.kind)).toEqual([
      "case_card",
      "card_update",
      "thread_reply",
    ]);
    expect(await store().listAudit(SEF.id, script.caseId)).toHaveLength(2);
  });

  it("lets exactly one of two concurrent appends on the same version win", async () => {
    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    const confirm = script.request({ type: "confirm" }, "ada", ["card_update"]);
    const dismiss = script.request({ type: "dismiss", reason: "data_error" }, "lee", [
      "thread_reply",
    ]);

    const results = await Promise.all([
      store().appendCaseEvents(confirm),
      store().appendCaseEvents(dismiss),
    ]);
    const winners = results.filter((r) => r.ok);
    const losers = results.filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toEqual([expect.objectContaining({ reason: "stale_version" })]);

    const won = results[0].ok ? confirm : dismiss;
    const stored = await store().getCase(SEF.id, script.caseId);
    expect(stored?.events.slice(1)).toEqual(won.events);
    const kinds = (await store().listOutbox({ caseId: script.caseId })).map((e) => e.kind);
    expect(kinds).toEqual(["case_card", won.outbox?.[0].kind]);
    expect(await store().listAudit(SEF.id, script.caseId)).toHaveLength(2);
  });

  it("two advisers confirming the same version at once: one takes the case, the other gets the fresh case", async () => {
    const script = new CaseScript(SEF, "stu-1");
    await store().appendCaseEvents(script.open());
    const byAda = script.request({ type: "confirm" }, "ada", ["card_update"]);
    const byBea = script.request({ type: "confirm" }, "bea", ["card_update"]);

    const [a, b] = await Promise.all([
      store().appendCaseEvents(byAda),
      store().appendCaseEvents(byBea),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    const winner = a.ok ? "ada" : "bea";
    expect(loser.ok).toBe(false);
    if (loser.ok || loser.reason !== "stale_version") throw new Error("expected a stale version");
    // The loser is handed the case as it is now: confirmed, assigned to the winner.
    const fresh = foldCase(loser.current.events);
    expect(fresh).toMatchObject({ version: 2, status: "active", assignee: winner });
    expect(loser.current.version).toBe(2);
    const stored = await store().getCase(SEF.id, script.caseId);
    expect(stored?.events.filter((e) => e.type === "confirmed")).toHaveLength(1);
  });

  it("lists a policy's open cases in full, and only those", async () => {
    const open1 = new CaseScript(SEF, "stu-1");
    const open2 = new CaseScript(SEF, "stu-2");
    const dismissed = new CaseScript(SEF, "stu-3");
    const otherPolicy = new CaseScript(LAW, "stu-4");
    await store().appendCaseEvents(open1.open());
    await store().appendCaseEvents(open2.open());
    await store().appendCaseEvents(open2.next({ type: "confirm" }, "ada"));
    await store().appendCaseEvents(dismissed.open());
    await store().appendCaseEvents(
      dismissed.next({ type: "dismiss", reason: "data_error" }, "ada"),
    );
    await store().appendCaseEvents(otherPolicy.open());

    const listed = await store().listOpenCases(SEF.id);
    const expected = [open1, open2]
      .map((c) => ({
        policyId: SEF.id,
        caseId: c.caseId,
        version: c.events.length,
        events: c.events,
      }))
      .sort((a, b) => (a.caseId < b.caseId ? -1 : 1));
    expect(listed).toEqual(expected);
    expect(await store().listOpenCases("no-such-policy")).toEqual([]);
  });

  it("keeps one open case per student and policy", async () => {
    const first = new CaseScript(SEF, "stu-1", "2026-11-20");
    const second = new CaseScript(SEF, "stu-1", "2026-11-27", 30);
    await store().appendCaseEvents(first.open());

    const openSecond = second.openRequest();
    const refused = await store().appendCaseEvents(openSecond);
    expect(refused).toMatchObject({
      ok: false,
      reason: "open_case_exists",
      current: { caseId: first.caseId },
    });
    expect(await store().listOutbox()).toHaveLength(1);

    await store().appendCaseEvents(first.next({ type: "dismiss", reason: "data_error" }, "ada"));
    expect(await store().appendCaseEvents(second.accept(openSecond))).toMatchObject({ ok: true });
    // Reopening the dismissed case would give the student two open cases.
    const reopen = await store().appendCaseEvents(first.request({ type: "reopen" }, "ada"));
    expect(reopen).toMatchObject({
      ok: false,
      reason: "open_case_exists",
      current: { caseId: second.caseId },
    });
    expect((await store().findOpenCase(SEF.id, "stu-1"))?.caseId).toBe(second.caseId);
    // Another policy is another slot.
    expect(await store().appendCaseEvents(new CaseScript(LAW, "stu-1").open())).toMatchObject({
      ok: true,
    });
  });

  it("applies many appends, each on its own", async () => {
    const a = new CaseScript(SEF, "stu-1");
    const b = new CaseScript(SEF, "stu-2");
    const openA = a.open();
    const results = await store().appendManyCaseEvents([
      openA,
      b.open(),
      a.next({ type: "confirm" }, "ada"),
      openA,
    ]);
    expect(results.map((r) => r.ok && r.replayed)).toEqual([false, false, false, true]);
    expect((await store().listCases()).map((s) => [s.studentId, s.version])).toEqual([
      ["stu-1", 2],
      ["stu-2", 1],
    ]);
  });

  it("rejects a malformed append as a caller error", async () => {
    const script = new CaseScript(SEF, "stu-1");
    const open = script.open();
    await expect(store().appendCaseEvents({ ...open, expectedVersion: 3 })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(store().appendCaseEvents({ ...open, events: [] })).rejects.toMatchObject({
      code: "invalid_request",
    });
    expect(await store().listCases()).toEqual([]);
  });
}
