/**
 * The adviser's side of a message to a student, through the application layer on the
 * sample school (SQLite in a temporary folder): the draft, quiet hours (a message approved
 * on a Friday evening waits for Monday 08:00 in the policy's time zone), who may draft or
 * send at all, and that a refused or problematic send changes nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actOnCase } from "../../src/app/act-on-case.ts";
import { buildDirectory, type Directory } from "../../src/app/directory.ts";
import {
  type DraftOutcome,
  type OutreachContext,
  proposeMessage,
  sendMessage,
} from "../../src/app/outreach.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadTemplates } from "../../src/outreach/index.ts";
import type { Policy } from "../../src/rules/index.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const ALEX = "00000000-0000-0000-0000-000000000020";
const MEGAN = "00000000-0000-0000-0000-000000000021";
/** Friday 29 January 2027, in London (GMT in winter). */
const FRIDAY_NOON = "2027-01-29T12:00:00.000Z";
const FRIDAY_EVENING = "2027-01-29T19:00:00.000Z";
const MONDAY_MORNING = "2027-02-01T08:00:00.000Z";

let dir: string;
let store: SqliteStore;
let directory: Directory;
let policy: Policy;
let ctx: OutreachContext;
/** Case ids of Northfield students, in id order. */
let caseIds: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-outreach-app-"));
  store = openSqliteStore({ path: join(dir, "reach.db") });
  const loaded = await loadPolicyFile("samples/teams-demo/northfield-policy.yaml");
  if (!loaded.ok) throw new Error("the demo policy does not load");
  policy = loaded.policy;
  const { dataset } = await importCanonical("samples/demo-school");
  directory = buildDirectory([policy], dataset, FRIDAY_NOON);
  await applyRun({
    store,
    policy,
    dataset,
    asOf: parseIsoDate("2027-01-29") as number,
    at: "2027-01-29T07:00:00.000Z",
    owner: "test",
  });
  caseIds = (await store.listCases({ policyId: policy.id })).map((c) => c.caseId).sort();
  const templates = (await loadTemplates("outreach")).templates;
  ctx = {
    store,
    directory,
    describe: (events, name) => `${name} did ${events.map((e) => e.type).join(", ")}.`,
    templates: () => templates,
    schoolName: (id) => dataset.schools.get(id)?.name ?? id,
  };
}, 60_000);
afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function stored(caseId: string) {
  const c = await store.getCase(policy.id, caseId);
  if (c === undefined) throw new Error(`no case ${caseId}`);
  return c;
}
async function click(aad: string, verb: string, caseId: string, at: string, form = {}) {
  const action = {
    aadObjectId: aad,
    verb,
    data: { caseId, policyId: policy.id, version: (await stored(caseId)).version, ...form },
    conversationId: undefined,
    at,
  };
  if (verb === "propose_message") return proposeMessage(action, ctx);
  if (verb === "send_message") return sendMessage(action, ctx);
  return actOnCase(action, ctx);
}
function draftOf(outcome: DraftOutcome) {
  if (outcome.kind !== "draft") throw new Error(`expected a draft, got ${outcome.kind}`);
  return outcome.draft;
}

describe("quiet hours", () => {
  it("offers a message at noon on a school day to go now", async () => {
    const caseId = caseIds[0];
    await click(ALEX, "confirm", caseId, FRIDAY_NOON);
    const draft = draftOf(await click(ALEX, "propose_message", caseId, FRIDAY_NOON));
    expect(draft.scheduledFor).toBeUndefined();
    expect(draft.adviserName).toBe("Alex Wilber");
    expect(draft.schoolName).toBe("Northfield");
  });

  it("holds a message approved on Friday at 19:00 until Monday 08:00, London time", async () => {
    const caseId = caseIds[1];
    await click(ALEX, "confirm", caseId, FRIDAY_EVENING);
    const draft = draftOf(await click(ALEX, "propose_message", caseId, FRIDAY_EVENING));
    expect(draft.scheduledFor).toBe(MONDAY_MORNING);
    expect(draft.scheduledLabel).toBe("Monday 1 February at 08:00 (Europe/London)");
    const sent = await click(ALEX, "send_message", caseId, FRIDAY_EVENING, {
      text: draft.text,
      template: draft.template,
    });
    expect(sent.kind).toBe("done");
    const state = foldCase((await stored(caseId)).events);
    expect(state?.outreach[0]).toMatchObject({
      stage: "approved",
      text: draft.text,
      approvedBy: "T-ALEX",
      scheduledFor: MONDAY_MORNING,
    });
    const [message] = (await store.listOutbox({ caseId })).filter(
      (e) => e.kind === "student_message",
    );
    expect(message).toMatchObject({ dueAt: MONDAY_MORNING, status: "pending" });
    // Not due before Monday: a worker claiming at Sunday noon does not get it.
    const due = await store.claimDue("2027-01-31T12:00:00.000Z", 100, 1000, "probe");
    expect(due.map((e) => e.id)).not.toContain(message.id);
  });
});

describe("who may write to a student", () => {
  it("refuses a stranger and an adviser of another school, and audits both", async () => {
    const caseId = caseIds[2];
    await click(ALEX, "confirm", caseId, FRIDAY_NOON);
    const before = await stored(caseId);
    const stranger = await click(
      "ffffffff-0000-0000-0000-000000000000",
      "propose_message",
      caseId,
      FRIDAY_NOON,
    );
    expect(stranger).toMatchObject({ kind: "refused" });
    const megan = await click(MEGAN, "send_message", caseId, FRIDAY_NOON, { text: "Hi there" });
    expect(megan.kind).toBe("refused");
    if (megan.kind === "refused") expect(megan.notice.text).toContain("Megan Bowen");
    expect((await stored(caseId)).version).toBe(before.version);
    const audit = await store.listAudit(policy.id, caseId);
    // The stranger's click names the case; Megan's is refused as the approval it would be.
    expect(audit.filter((a) => !a.allowed).map((a) => a.action)).toEqual([
      "propose_message",
      "approve_outreach",
    ]);
  });

  it("offers no draft on a case nobody has confirmed", async () => {
    const caseId = caseIds[3];
    const outcome = await click(ALEX, "propose_message", caseId, FRIDAY_NOON);
    expect(outcome.kind).toBe("refused");
    if (outcome.kind === "refused") expect(outcome.notice.text).toContain("confirm it first");
  });

  it("sends back an edited text with a placeholder left in, positioned, and changes nothing", async () => {
    const caseId = caseIds[0];
    const before = await stored(caseId);
    const draft = draftOf(
      await click(ALEX, "send_message", caseId, FRIDAY_NOON, { text: "Hi {first_name}, all OK?" }),
    );
    expect(draft.problems).toEqual([expect.stringMatching(/^Line 1, column 4: /)]);
    expect(draft.text).toBe("Hi {first_name}, all OK?");
    expect((await stored(caseId)).version).toBe(before.version);
  });
});
