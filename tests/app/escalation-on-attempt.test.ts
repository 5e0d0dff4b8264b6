/**
 * An escalation proposed the moment an adviser logs the `unanswered_attempts`-th contact
 * attempt in a row without an answer, in the same change as the attempt — not the next
 * morning. Real parts: the sample school, the demo policy with an `escalation:` block, a
 * scheduled run into a SQLite store, and the card action as the bot calls it.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  actOnCase,
  buildDirectory,
  type Directory,
  PolicyCatalogue,
  ScheduledRuns,
} from "../../src/app/index.ts";
import { type CaseState, foldCase } from "../../src/cases/index.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { silentLogger } from "../../src/log.ts";
import { openSqliteStore, type Store } from "../../src/store/index.ts";

const DATA = "samples/demo-school";
const ALEX = "00000000-0000-0000-0000-000000000020"; // adviser, sch1

const ESCALATION = [
  "escalation:",
  "  no_contact_after: 10 school days",
  "  unanswered_attempts: 2",
  "  to: engagement-lead",
  "",
].join("\n");

let dir: string;
let store: Store;
let directory: Directory;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "reach-attempt-escalation-"));
  await mkdir(join(dir, "policies"));
  const file = join(dir, "policies", "demo.yaml");
  await copyFile("samples/demo-policy.yaml", file);
  await writeFile(file, `${await readFile(file, "utf8")}${ESCALATION}`);
  store = openSqliteStore({ path: join(dir, "reach.db") });
  const catalogue = await PolicyCatalogue.open(join(dir, "policies"));
  const policy = catalogue.get("demo");
  if (policy === undefined) throw new Error("the demo policy did not load");
  const dataset = (await ADAPTERS.canonical.import(DATA)).dataset;
  directory = buildDirectory([policy], dataset, "2026-12-16");
  const runs = new ScheduledRuns({
    store,
    catalogue,
    importData: () => ADAPTERS.canonical.import(DATA),
    owner: "serve:test:1",
    log: silentLogger(),
  });
  await runs.run(
    {
      policyId: "demo",
      asOf: "2026-12-16",
      scheduledAt: "2026-12-16T07:00:00.000Z",
      reason: "scheduled",
    },
    new AbortController().signal,
  );
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const acting = () => ({
  store,
  directory,
  describe: (_events: unknown, name: string) => `${name} acted`,
});

async function stateOf(caseId: string): Promise<CaseState> {
  const stored = await store.getCase("demo", caseId);
  const state = stored && foldCase(stored.events);
  if (state === undefined) throw new Error(`no case ${caseId}`);
  return state;
}

async function click(verb: string, caseId: string, at: string, fields: object = {}) {
  const { version } = await stateOf(caseId);
  return actOnCase(
    {
      aadObjectId: ALEX,
      verb,
      data: { caseId, policyId: "demo", version, ...fields },
      conversationId: undefined,
      at,
    },
    acting(),
  );
}

async function alexsCase(): Promise<string> {
  const open = (await store.listOpenCases("demo"))
    .map((c) => foldCase(c.events) as CaseState)
    .filter((s) => directory.students.get(s.studentId)?.adviserIds.includes("T-ALEX"));
  const first = open[0];
  if (first === undefined) throw new Error("the run opened no case of Alex's advisees");
  return first.caseId;
}

const proposals = async (caseId: string) =>
  ((await store.getCase("demo", caseId))?.events ?? []).filter(
    (e) => e.type === "escalation_proposed",
  );

describe("an escalation proposed on the Nth unanswered attempt", () => {
  it("comes with the second unanswered attempt, in the same change, by Reach, once", async () => {
    const caseId = await alexsCase();
    expect((await click("confirm", caseId, "2026-12-16T09:00:00.000Z")).kind).toBe("done");
    const attempt = { channel: "phone", outcome: "no_answer" };

    expect((await click("log_contact", caseId, "2026-12-16T10:00:00.000Z", attempt)).kind).toBe(
      "done",
    );
    expect(await proposals(caseId)).toEqual([]);
    const before = (await stateOf(caseId)).version;

    const second = await click("log_contact", caseId, "2026-12-16T11:00:00.000Z", {
      channel: "email",
      outcome: "left_message",
    });
    expect(second.kind).toBe("done");
    const stored = await store.getCase("demo", caseId);
    const tail = stored?.events.slice(before) ?? [];
    expect(tail.map((e) => [e.type, e.actor, e.version])).toEqual([
      ["contact_attempted", "T-ALEX", before],
      ["escalation_proposed", "reach", before + 1],
    ]);
    expect(tail[1]).toMatchObject({
      at: "2026-12-16T11:00:00.000Z",
      reason: "2 contact attempts in a row without an answer",
    });
    const state = await stateOf(caseId);
    expect(state.status).toBe("active");
    expect(state.escalation?.status).toBe("pending");
    // The thread hears both: Alex's attempt, then Reach's proposal.
    const lines = (await store.listOutbox({ policyId: "demo", caseId }))
      .filter((e) => e.kind === "thread_reply")
      .map((e) => (e.payload as { text: string }).text);
    expect(lines.slice(-2)).toEqual([
      "Alex Wilber acted",
      "Reach proposed an escalation to engagement-lead: 2 contact attempts in a row without an answer",
    ]);
    // The case card goes to the leads' channel too, where one is linked.
    const leads = (await store.listOutbox({ policyId: "demo", caseId })).filter(
      (e) => e.kind === "leads_card",
    );
    expect(leads.map((e) => e.payload)).toEqual([{ caseId }]);
    // Both changes audited, each by its own actor.
    const audit = await store.listAudit("demo", caseId);
    expect(audit.slice(-2).map((a) => [a.actor, a.action, a.allowed])).toEqual([
      ["T-ALEX", "log_contact", true],
      ["reach", "propose_escalation", true],
    ]);

    // A third unanswered attempt while the proposal is pending proposes nothing more.
    expect((await click("log_contact", caseId, "2026-12-16T12:00:00.000Z", attempt)).kind).toBe(
      "done",
    );
    expect(await proposals(caseId)).toHaveLength(1);
  });

  it("counts attempts in a row: a successful contact between them starts again", async () => {
    const caseId = await alexsCase();
    await click("confirm", caseId, "2026-12-16T09:00:00.000Z");
    const log = (outcome: string, hour: number) =>
      click("log_contact", caseId, `2026-12-16T${String(hour).padStart(2, "0")}:00:00.000Z`, {
        channel: "phone",
        outcome,
      });
    await log("no_answer", 10);
    await log("reached", 11);
    await log("no_answer", 12);
    expect(await proposals(caseId)).toEqual([]);
    await log("wrong_details", 13);
    expect(await proposals(caseId)).toHaveLength(1);
  });
});
