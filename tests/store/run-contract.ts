/**
 * The store contract for what runs keep: rule state, run records and leases; and the audit
 * records written on their own (refusals and reads). Times are explicit: nothing sleeps.
 */
import { expect, it } from "vitest";
import type { RuleState } from "../../src/rules/rule-state.ts";
import type { RunRecord } from "../../src/store/run-records.ts";
import type { Store } from "../../src/store/store.ts";
import { SEF } from "./store-fixtures.ts";

const STATE: RuleState = {
  policyId: SEF.id,
  holding: [
    {
      studentId: "stu-1",
      ruleId: "low-attendance",
      runs: 2,
      runsBefore: 1,
      since: 20775,
      lastDay: 20776,
    },
  ],
  cooldowns: [
    { studentId: "stu-2", until: 20790 },
    { studentId: "stu-3", ruleId: "no-vle-activity", until: 20800 },
  ],
  snoozes: [{ studentId: "stu-4", until: 20780 }],
};

const NOW = "2026-11-23T07:00:00.000Z";
const lease = (owner: string, now = NOW, asOf = "2026-11-23") => ({
  policyId: SEF.id,
  asOf,
  owner,
  now,
  ttlMs: 60_000,
});

function run(overrides: Partial<RunRecord>): RunRecord {
  return {
    runId: "run-1",
    policyId: SEF.id,
    asOf: "2026-11-23",
    startedAt: NOW,
    status: "running",
    counts: {},
    errors: [],
    ...overrides,
  };
}

export function runContract(store: () => Store): void {
  it("keeps a skipped run with its reason, listed with the others of its date", async () => {
    const skipped = run({
      runId: "sat",
      asOf: "2026-11-28",
      status: "skipped",
      finishedAt: NOW,
      errors: ["2026-11-28 is not a school day for any of the policy's schools"],
    });
    await store().saveRun(skipped);
    expect(await store().listRuns({ policyId: SEF.id, asOf: "2026-11-28" })).toEqual([skipped]);
  });

  it("saves and loads a policy's rule state", async () => {
    expect(await store().loadRuleState(SEF.id)).toBeUndefined();
    expect(await store().saveRuleState(SEF.id, "2026-11-20", STATE)).toEqual({ ok: true });
    expect(await store().loadRuleState(SEF.id)).toEqual({ asOf: "2026-11-20", state: STATE });
    expect(await store().loadRuleState("law-ug")).toBeUndefined();
  });

  it("lets a re-run of the same date overwrite the rule state, never an older date", async () => {
    await store().saveRuleState(SEF.id, "2026-11-20", STATE);
    const rerun = { ...STATE, snoozes: [] };
    expect(await store().saveRuleState(SEF.id, "2026-11-20", rerun)).toEqual({ ok: true });
    expect((await store().loadRuleState(SEF.id))?.state).toEqual(rerun);
    expect(await store().saveRuleState(SEF.id, "2026-11-19", STATE)).toEqual({
      ok: false,
      reason: "newer_state",
      storedAsOf: "2026-11-20",
    });
    expect((await store().loadRuleState(SEF.id))?.state).toEqual(rerun);
    expect(await store().saveRuleState(SEF.id, "2026-11-23", STATE)).toEqual({ ok: true });
    expect((await store().loadRuleState(SEF.id))?.asOf).toBe("2026-11-23");
  });

  it("records runs and lists them newest first", async () => {
    await store().saveRun(
      run({ runId: "run-1", asOf: "2026-11-20", startedAt: "2026-11-20T07:00:00Z" }),
    );
    await store().saveRun(run({ runId: "run-2" }));
    const finished = run({
      runId: "run-2",
      finishedAt: "2026-11-23T07:01:30.000Z",
      status: "failed",
      counts: { students: 1200, findings: 31, casesOpened: 4 },
      errors: ["attendance.csv: no such file"],
    });
    await store().saveRun(finished);
    await store().saveRun(run({ runId: "run-3", policyId: "law-ug" }));
    expect(await store().listRuns({ policyId: SEF.id })).toEqual([
      finished,
      run({ runId: "run-1", asOf: "2026-11-20", startedAt: "2026-11-20T07:00:00.000Z" }),
    ]);
    expect((await store().listRuns({ asOf: "2026-11-23" })).map((r) => r.runId).sort()).toEqual([
      "run-2",
      "run-3",
    ]);
    expect(await store().listRuns({ policyId: SEF.id, limit: 1 })).toEqual([finished]);
  });

  it("keeps a run's data-check warnings and the data's last dates; none when empty", async () => {
    const checked = run({
      runId: "run-w",
      status: "succeeded",
      finishedAt: "2026-11-23T07:01:00.000Z",
      warnings: ["p.yaml:4:13 warning: no member of staff of sef has the role engagement_lead"],
      dataThrough: [
        { stream: "attendance", last: "2026-11-20" },
        { stream: "activity:vle", last: "2026-11-22" },
      ],
    });
    await store().saveRun(checked);
    await store().saveRun(run({ runId: "run-e", warnings: [], dataThrough: [] }));
    const byId = new Map((await store().listRuns({ policyId: SEF.id })).map((r) => [r.runId, r]));
    expect(byId.get("run-w")).toEqual(checked);
    // An empty list reads back as none, in every store alike.
    expect(byId.get("run-e")).toStrictEqual(run({ runId: "run-e" }));
  });

  it("grants a run's lease to one owner until it expires", async () => {
    const first = await store().acquireLease(lease("a"));
    expect(first).toEqual({
      ok: true,
      lease: {
        policyId: SEF.id,
        asOf: "2026-11-23",
        owner: "a",
        expiresAt: "2026-11-23T07:01:00.000Z",
      },
    });
    expect(await store().acquireLease(lease("b", "2026-11-23T07:00:59.999Z"))).toEqual({
      ok: false,
      holder: {
        policyId: SEF.id,
        asOf: "2026-11-23",
        owner: "a",
        expiresAt: "2026-11-23T07:01:00.000Z",
      },
    });
    // Another date, or another policy, is another lease.
    expect(await store().acquireLease(lease("b", NOW, "2026-11-24"))).toMatchObject({ ok: true });
    expect(await store().acquireLease({ ...lease("b"), policyId: "law-ug" })).toMatchObject({
      ok: true,
    });
    // Expired: the next owner takes it over.
    expect(await store().acquireLease(lease("b", "2026-11-23T07:01:00.000Z"))).toMatchObject({
      ok: true,
      lease: { owner: "b", expiresAt: "2026-11-23T07:02:00.000Z" },
    });
    expect(await store().acquireLease(lease("a", "2026-11-23T07:01:30.000Z"))).toMatchObject({
      ok: false,
      holder: { owner: "b" },
    });
  });

  it("lets the owner renew and release a lease, and nobody else", async () => {
    await store().acquireLease(lease("a"));
    expect(await store().acquireLease(lease("a", "2026-11-23T07:00:50.000Z"))).toMatchObject({
      ok: true,
      lease: { expiresAt: "2026-11-23T07:01:50.000Z" },
    });
    expect(await store().acquireLease(lease("b", "2026-11-23T07:01:10.000Z"))).toMatchObject({
      ok: false,
    });
    expect(await store().releaseLease(SEF.id, "2026-11-23", "b")).toBe(false);
    expect(await store().releaseLease(SEF.id, "2026-11-23", "a")).toBe(true);
    expect(await store().acquireLease(lease("b", "2026-11-23T07:01:10.000Z"))).toMatchObject({
      ok: true,
    });
  });

  it("hands a lease over from a holder known to be gone, and from nobody else", async () => {
    await store().acquireLease(lease("cli:host:111"));
    // Still held, and "b" names someone else as gone: refused.
    expect(
      await store().acquireLease({ ...lease("b", "2026-11-23T07:00:10.000Z"), takeOverFrom: "x" }),
    ).toMatchObject({ ok: false, holder: { owner: "cli:host:111" } });
    const taken = await store().acquireLease({
      ...lease("b", "2026-11-23T07:00:10.000Z"),
      takeOverFrom: "cli:host:111",
    });
    expect(taken).toEqual({
      ok: true,
      lease: {
        policyId: SEF.id,
        asOf: "2026-11-23",
        owner: "b",
        expiresAt: "2026-11-23T07:01:10.000Z",
      },
    });
    // The old holder cannot take it back by naming the new one as gone unless it is.
    expect(
      await store().acquireLease({
        ...lease("c", "2026-11-23T07:00:20.000Z"),
        takeOverFrom: "cli:host:111",
      }),
    ).toMatchObject({ ok: false, holder: { owner: "b" } });
    expect(await store().releaseLease(SEF.id, "2026-11-23", "cli:host:111")).toBe(false);
  });

  it("grants one of two concurrent acquirers", async () => {
    const results = await Promise.all([
      store().acquireLease(lease("a")),
      store().acquireLease(lease("b")),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it("keeps audit records of refusals and reads, oldest first, once each", async () => {
    const refusal = {
      id: "audit-1",
      actor: "nia",
      at: "2026-11-23T09:01:00.000Z",
      action: "confirm",
      caseId: "case-1",
      allowed: false,
      why: "nia has no role that works on cases",
      refusal: "not_authorised" as const,
    };
    const read = {
      actor: "ada",
      at: "2026-11-23T09:02:00.000Z",
      action: "read",
      caseId: "case-1",
      allowed: true,
      why: "adviser of this student",
    };
    await store().appendAudit(SEF.id, [refusal, read]);
    await store().appendAudit(SEF.id, [refusal]);
    const records = await store().listAudit(SEF.id, "case-1");
    expect(records).toEqual([
      { ...refusal, policyId: SEF.id },
      { ...read, id: expect.any(String), policyId: SEF.id },
    ]);
    expect(await store().listAudit(SEF.id, "case-2")).toEqual([]);
    expect(await store().listAudit("law-ug", "case-1")).toEqual([]);
  });
}
