/**
 * The weekly digest with the real parts: the sample school (with a monitoring file added,
 * so the quarter's fairness has a field), the Northfield policy, the SQLite store. Two real
 * runs, on Wed 27 and Fri 29 Jan 2027, open the cases; people then work two of them. The
 * digest of Sun 31 Jan 2027 covers 25–31 Jan, which holds both runs.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Digest,
  digestOutboxId,
  postWeeklyDigest,
  runPolicy,
  weeklyDigest,
} from "../../src/app/index.ts";
import type { CaseEvent } from "../../src/cases/index.ts";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { type DayNumber, parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile, type Policy } from "../../src/rules/index.ts";
import { openSqliteStore, type Store, type StoredCase } from "../../src/store/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const POLICY = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const day = (iso: string) => parseIsoDate(iso) as DayNumber;

let dir: string;
let data: string;
let store: Store;
let policy: Policy;
let imported: ImportResult;
let opened: number;
let cases: StoredCase[];
let students: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-digest-"));
  data = join(dir, "school");
  cpSync(join(ROOT, "samples/demo-school"), data, { recursive: true });
  const ids = (await ADAPTERS.canonical.import(data)).dataset.students.map((s) => s.id);
  writeFileSync(
    join(data, "demographics.csv"),
    `student_id,field,value\n${ids.map((id, i) => `${id},gender,${i % 2 === 0 ? "F" : "M"}`).join("\n")}\n`,
  );
  imported = await ADAPTERS.canonical.import(data);
  students = imported.dataset.students.flatMap((s) => [s.id, s.displayName]);
  const loaded = await loadPolicyFile(POLICY);
  if (!loaded.ok) throw new Error("the Northfield policy did not load");
  policy = loaded.policy;
  store = openSqliteStore({ path: join(dir, "reach.db") });
  opened = 0;
  for (const date of ["2027-01-27", "2027-01-29"]) {
    const result = await runPolicy({
      store,
      policy,
      dataset: imported.dataset,
      asOf: day(date),
      at: `${date}T07:00:00Z`,
      owner: "test:digest:1",
    });
    opened += result.opened;
  }
  cases = await Promise.all(
    (await store.listCases({ policyId: policy.id })).map(
      async (c) => (await store.getCase(policy.id, c.caseId)) as StoredCase,
    ),
  );
  // Someone takes the first case and reaches the student 1.5 days after it opened; someone
  // dismisses the second as a data error.
  const [first, second] = cases;
  const openedAt = Date.parse(first.events[0].at);
  await append(first, [
    { type: "confirmed", actor: "T-ALEX", at: iso(openedAt + 3_600_000), assignee: "T-ALEX" },
    {
      type: "contact_attempted",
      actor: "T-ALEX",
      at: iso(openedAt + 1.5 * 86_400_000),
      channel: "phone",
      outcome: "reached",
    },
  ]);
  await append(second, [
    { type: "dismissed", actor: "T-ALEX", at: "2027-01-28T10:00:00Z", reason: "data_error" },
  ]);
  // One message that could not be delivered this week.
  await store.enqueueOutbox([
    {
      id: "notice-1",
      policyId: policy.id,
      kind: "channel_notice",
      payload: { text: "hello" },
      createdAt: "2027-01-28T12:00:00Z",
    },
  ]);
  await store.deadLetter({ policyId: policy.id, id: "notice-1" }, "the channel is gone");
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();

type NewEvent = CaseEvent extends infer E
  ? E extends CaseEvent
    ? Omit<E, "version">
    : never
  : never;

async function append(stored: StoredCase, events: NewEvent[]): Promise<void> {
  const result = await store.appendCaseEvents({
    policyId: stored.policyId,
    caseId: stored.caseId,
    expectedVersion: stored.version,
    events: events.map((e, i) => ({ ...e, version: stored.version + i }) as CaseEvent),
  });
  if (!result.ok) throw new Error(`append failed: ${result.reason}`);
}

const options = (date: string, extra: { actor?: string; at?: string } = {}) => ({
  store,
  policy,
  source: "canonical" as const,
  dataDir: data,
  date: day(date),
  at: extra.at ?? `${date}T08:00:00.000Z`,
  actor: extra.actor ?? "reach",
});

describe("weeklyDigest on the sample school", () => {
  let digest: Digest;
  beforeAll(async () => {
    digest = await weeklyDigest(options("2027-01-31", { actor: "cli:test" }));
  }, 60_000);

  it("names the policy, the date and the weeks", () => {
    expect(digest.policyId).toBe("northfield");
    expect(digest.date).toBe("2027-01-31");
    expect(digest.week).toEqual({ from: "2027-01-25", to: "2027-01-31" });
    expect(digest.previousWeek).toEqual({ from: "2027-01-18", to: "2027-01-24" });
  });

  it("counts the cases the two runs opened, and what people did with them", () => {
    expect(opened).toBeGreaterThan(1);
    expect(cases).toHaveLength(opened);
    expect(digest.cases).toMatchObject({
      opened,
      confirmed: 1,
      dismissed: 1,
      resolved: 0,
      previous: { opened: 0, confirmed: 0, dismissed: 0, resolved: 0 },
      dismissedByReason: [{ reason: "data_error", count: 1 }],
      resolvedByOutcome: [],
      openNow: opened - 1,
    });
    expect(digest.firstContact).toEqual({ cases: 1, medianDays: 1.5 });
    expect(digest.escalationsAwaiting).toBe(0);
  });

  it("counts the runs, the dead letters and each case rule's decisions", () => {
    expect(digest.runs).toEqual({ succeeded: 2, failed: 0, skipped: 0, failures: [] });
    expect(digest.deadLetters).toEqual({ week: 1, total: 1 });
    const caseRules = policy.rules.filter((r) => r.action !== "watch").map((r) => r.id);
    expect(caseRules).toEqual(["chronic-absence", "absent-in-a-row", "gone-quiet"]);
    expect(digest.rules.map((r) => r.ruleId)).toEqual(caseRules);
    const decided = digest.rules.reduce((n, r) => n + r.decided, 0);
    // Two cases decided; each counts once for every rule among its opening signals.
    expect(decided).toBeGreaterThanOrEqual(2);
    expect(digest.rules.every((r) => !r.noisy)).toBe(true);
  });

  it("takes each watch rule's count from the week's last run", async () => {
    const [last] = await store.listRuns({ policyId: policy.id, asOf: "2027-01-29" });
    const watched = last.counts["watched:fewer-days-online"];
    expect(watched).toBeGreaterThan(0);
    expect(digest.watch).toEqual([
      {
        ruleId: "fewer-days-online",
        name: "Online on fewer than 4 of the last 10 school days",
        week: watched,
        previous: null,
      },
    ]);
  });

  it("shows the policy's school side by side, week over week", () => {
    expect(digest.hybrid.schools.map((s) => s.id)).toEqual(["sch1"]);
  });

  it("has the quarter's fairness, with every case's student as flagged", () => {
    const distinct = new Set(
      cases.map((c) => (c.events[0].type === "opened" ? c.events[0].studentId : "")),
    );
    expect(digest.fairness?.quarter).toEqual({
      label: "2027-Q1",
      from: day("2027-01-01"),
      through: day("2027-01-31"),
    });
    expect(digest.fairness?.overall.flagged).toBe(distinct.size >= 10 ? distinct.size : "<10");
    expect(digest.fairness?.fields.map((f) => f.field)).toEqual(["gender"]);
  });

  it("names no student and holds no student id", () => {
    const text = JSON.stringify(digest);
    for (const s of students) expect(text).not.toContain(s);
  });

  it("records one audit record of the policy for the read, with no case id", async () => {
    const audit = await store.listAudit(policy.id, "");
    const mine = audit.filter((a) => a.action === "digest" && a.actor === "cli:test");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ allowed: true, caseId: "" });
    expect(mine[0].why).toContain("the week 2027-01-25 to 2027-01-31");
  });

  it("counts nothing of a week with no case and no run", async () => {
    const later = await weeklyDigest({ ...options("2027-03-01"), imported });
    expect(later.cases).toMatchObject({ opened: 0, confirmed: 0, dismissed: 0, resolved: 0 });
    expect(later.cases.openNow).toBe(opened - 1);
    expect(later.runs).toEqual({ succeeded: 0, failed: 0, skipped: 0, failures: [] });
    expect(later.deadLetters).toEqual({ week: 0, total: 1 });
  });
});

describe("postWeeklyDigest", () => {
  it("queues the digest once per policy and date", async () => {
    const first = await postWeeklyDigest({ ...options("2027-01-31"), imported });
    expect(first.queued).toBe(true);
    expect(first.outboxId).toBe("digest:northfield:2027-01-31");
    expect(digestOutboxId("northfield", "2027-01-31")).toBe(first.outboxId);
    const entry = await store.getOutboxEntry({ policyId: policy.id, id: first.outboxId });
    expect(entry).toMatchObject({
      kind: "digest",
      status: "pending",
      createdAt: "2027-01-31T08:00:00.000Z",
    });
    expect(entry?.payload).toEqual(JSON.parse(JSON.stringify(first.digest)));

    const auditBefore = (await store.listAudit(policy.id, "")).length;
    const again = await postWeeklyDigest({
      ...options("2027-01-31", { at: "2027-01-31T09:30:00Z" }),
      imported,
    });
    expect(again.queued).toBe(false);
    expect(again.outboxId).toBe(first.outboxId);
    expect(again.digest).toEqual(entry?.payload);
    // Nothing read again: no second audit record.
    expect((await store.listAudit(policy.id, "")).length).toBe(auditBefore);
    const digests = await store.listOutbox({ policyId: policy.id });
    expect(digests.filter((e) => e.kind === "digest")).toHaveLength(1);
  }, 60_000);
});
