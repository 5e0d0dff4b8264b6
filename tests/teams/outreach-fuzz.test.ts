/**
 * Messages to students under arbitrary input, on the sample school and SQLite:
 * - a student's button (`answerMessage`) with any verb, any data, from anyone: it never
 *   throws, and a case changes only when the outcome says so — only Ben's case, only when
 *   Ben clicked — while every refusal leaves an audit record;
 * - an adviser's Send (`sendMessage`) with any text: it never throws; a message is queued
 *   only with the approval of exactly its text, and never a text the checks refuse.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNATTRIBUTED } from "../../src/app/audit-refusal.ts";
import { buildDirectory, type Directory } from "../../src/app/directory.ts";
import { type OutreachContext, sendMessage } from "../../src/app/outreach.ts";
import { answerMessage } from "../../src/app/student-reply.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { decide } from "../../src/cases/decide.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { checkMessageText, loadTemplates } from "../../src/outreach/index.ts";
import type { Policy } from "../../src/rules/index.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const BEN = { id: "S000056", aad: "00000000-0000-0000-0000-000000000050" };
const ALEX = "00000000-0000-0000-0000-000000000020";
const MEGAN = "00000000-0000-0000-0000-000000000021";
const NOON = "2027-01-29T12:00:00.000Z";

describe("messages to students under arbitrary input", () => {
  let dir: string;
  let store: SqliteStore;
  let directory: Directory;
  let policy: Policy;
  let ctx: OutreachContext;
  let caseIds: string[];
  let benCase: string;
  let outreachId: string;

  const versions = async () =>
    new Map((await store.listCases({ policyId: policy.id })).map((c) => [c.caseId, c.version]));
  const audits = async () => {
    let n = (await store.listAudit(UNATTRIBUTED, "")).length;
    for (const id of caseIds) n += (await store.listAudit(policy.id, id)).length;
    return n;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "reach-outreach-fuzz-"));
    store = openSqliteStore({ path: join(dir, "reach.db") });
    const loaded = await loadPolicyFile("samples/teams-demo/northfield-policy.yaml");
    if (!loaded.ok) throw new Error("the demo policy does not load");
    policy = loaded.policy;
    const { dataset } = await importCanonical("samples/demo-school");
    directory = buildDirectory([policy], dataset, NOON);
    await applyRun({
      store,
      policy,
      dataset,
      asOf: parseIsoDate("2027-01-29") as number,
      at: "2027-01-29T07:00:00.000Z",
      owner: "fuzz",
    });
    const cases = await store.listCases({ policyId: policy.id });
    caseIds = cases.map((c) => c.caseId);
    benCase = cases.find((c) => c.studentId === BEN.id)?.caseId as string;
    const templates = (await loadTemplates("outreach")).templates;
    ctx = {
      store,
      directory,
      describe: (events, name) => `${name}: ${events.map((e) => e.type).join(", ")}`,
      templates: () => templates,
      schoolName: () => "Northfield",
    };
    // Ben's case, confirmed by Alex, with a message approved and delivered.
    const click = async (verb: string, form: Record<string, unknown>) => {
      const stored = await store.getCase(policy.id, benCase);
      return sendOrAct(verb, { ...form, version: stored?.version });
    };
    const sendOrAct = async (verb: string, data: Record<string, unknown>) => {
      const { actOnCase } = await import("../../src/app/act-on-case.ts");
      const action = {
        aadObjectId: ALEX,
        verb,
        data: { caseId: benCase, policyId: policy.id, ...data },
        conversationId: undefined,
        at: NOON,
      };
      return verb === "send_message" ? sendMessage(action, ctx) : actOnCase(action, ctx);
    };
    await click("confirm", {});
    await click("send_message", { text: "Hi Ben, how are you getting on? Reply here any time." });
    const stored = await store.getCase(policy.id, benCase);
    const state = foldCase(stored?.events ?? []);
    outreachId = state?.outreach[0]?.outreachId as string;
    const sent = decide(
      stored?.events ?? [],
      { type: "record_outreach_sent", outreachId, version: stored?.version ?? 0, at: NOON },
      ENGINE_ACTOR,
      {
        caseId: benCase,
        student: directory.students.get(BEN.id),
        policy,
        roster: directory.roster,
      },
    );
    if (!sent.ok) throw new Error(sent.refusal.message);
    await store.appendCaseEvents({
      policyId: policy.id,
      caseId: benCase,
      expectedVersion: stored?.version ?? 0,
      events: sent.events,
    });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a student's button: only Ben changes only Ben's case; everything else is refused and audited", async () => {
    const verb = fc.oneof(
      fc.constantFrom("student_reply", "opt_out", "confirm", "erase"),
      fc.string(),
    );
    const aad = fc.constantFrom(BEN.aad, BEN.aad.toUpperCase(), ALEX, MEGAN, "", undefined, "x");
    const data = fc.oneof(
      fc.anything(),
      fc.record(
        {
          caseId: fc.oneof(fc.constant(benCase), fc.constantFrom(...caseIds), fc.string()),
          policyId: fc.oneof(fc.constant(policy.id), fc.string()),
          outreachId: fc.oneof(fc.constant(outreachId), fc.string()),
          reply: fc.oneof(fc.constantFrom("would_like_to_talk", "doing_ok", "other"), fc.string()),
          text: fc.oneof(fc.string(), fc.string({ maxLength: 1200 }), fc.constant("  ")),
        },
        { requiredKeys: [] },
      ),
    );
    let done = 0;
    await fc.assert(
      fc.asyncProperty(verb, aad, data, async (v, a, d) => {
        const before = await versions();
        const auditsBefore = await audits();
        const outcome = await answerMessage(
          { aadObjectId: a, verb: v, data: d, at: NOON },
          { store, directory, describe: ctx.describe },
        );
        expect(["done", "refused"]).toContain(outcome.kind);
        const after = await versions();
        for (const [caseId, version] of after) {
          if (outcome.kind === "done" && caseId === outcome.caseId) {
            done++;
            expect(caseId).toBe(benCase);
            expect(a?.toLowerCase()).toBe(BEN.aad);
            expect(version).toBe((before.get(caseId) ?? 0) + 1);
          } else {
            expect(version, caseId).toBe(before.get(caseId));
          }
        }
        // Every outcome is on record: a done change, or its refusal.
        expect(await audits()).toBe(auditsBefore + 1);
      }),
      { numRuns: 250, seed: 20261205 },
    );
    expect(done).toBeGreaterThan(0);
  });

  it("an adviser's Send: a message is queued only with exactly its approved, checked text", async () => {
    const others = caseIds.filter((c) => c !== benCase);
    const target = others[0];
    {
      const { actOnCase } = await import("../../src/app/act-on-case.ts");
      const stored = await store.getCase(policy.id, target);
      await actOnCase(
        {
          aadObjectId: ALEX,
          verb: "confirm",
          data: { caseId: target, policyId: policy.id, version: stored?.version },
          conversationId: undefined,
          at: NOON,
        },
        ctx,
      );
    }
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.constantFrom(
        "Hi, this is a final warning.",
        "You scored 45%.",
        "Hi {first_name}!",
        "Hi there, how are things?",
      ),
      fc.string({ minLength: 3990, maxLength: 4100 }),
    );
    let queued = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom(ALEX, MEGAN), async (t, a) => {
        const stored = await store.getCase(policy.id, target);
        const outcome = await sendMessage(
          {
            aadObjectId: a,
            verb: "send_message",
            data: { caseId: target, policyId: policy.id, version: stored?.version, text: t },
            conversationId: undefined,
            at: NOON,
          },
          ctx,
        );
        expect(["done", "draft", "refused", "stale", "missing"]).toContain(outcome.kind);
        if (outcome.kind !== "done") return;
        queued++;
        expect(a).toBe(ALEX);
        const state = foldCase(outcome.stored.events);
        const approved = state?.outreach.at(-1);
        expect(checkMessageText(approved?.text ?? "")).toEqual([]);
        const messages = (await store.listOutbox({ caseId: target })).filter(
          (e) => e.kind === "student_message",
        );
        const payload = messages.at(-1)?.payload as { outreachId: string; text: string };
        expect(payload).toEqual({
          caseId: target,
          outreachId: approved?.outreachId,
          text: approved?.text,
        });
      }),
      { numRuns: 120, seed: 20261206 },
    );
    expect(queued).toBeGreaterThan(0);
  });
});
