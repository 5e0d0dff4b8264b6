/**
 * Escalations and reminders on the scheduler's clock, with the real parts: the sample
 * school, the demo policy with an `escalation:` block, the SQLite store, a clock the test
 * advances school day by school day.
 *
 * The sample school's calendar has Wed 16, Thu 17 and Fri 18 Dec 2026 as school days, then
 * the Christmas break, then Mon 4 Jan 2027. A case confirmed on 16 Dec has gone 1, 2 and 3
 * school days without a successful contact on 17 Dec, 18 Dec and 4 Jan; a case opened on
 * 16 Dec and not taken has waited 2 school days on 18 Dec.
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
  sweepCases,
} from "../../src/app/index.ts";
import { buildCalendars } from "../../src/calendar/index.ts";
import { type CaseState, caseView, foldCase, rosterOf } from "../../src/cases/index.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { silentLogger } from "../../src/log.ts";
import type { Policy } from "../../src/rules/index.ts";
import { ManualClock, Scheduler } from "../../src/schedule/index.ts";
import { openSqliteStore, type Store, type StoredCase } from "../../src/store/index.ts";
import { recentEvents, renderCaseCard } from "../../src/teams/cards/index.ts";

const DATA = "samples/demo-school";
/** Entra object ids of the sample's staff.csv. */
const ALEX = "00000000-0000-0000-0000-000000000020"; // adviser, sch1
const ADELE = "00000000-0000-0000-0000-000000000022"; // engagement lead, sch1

const ESCALATION = [
  "escalation:",
  "  no_contact_after: 3 school days",
  "  unanswered_attempts: 3",
  "  to: engagement-lead",
  "  remind_unconfirmed_after: 2 school days",
  "",
].join("\n");

let dir: string;
let store: Store;
let runs: ScheduledRuns;
let policy: Policy;
let dataset: Dataset;
let directory: Directory;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "reach-escalations-"));
  await mkdir(join(dir, "policies"));
  const file = join(dir, "policies", "demo.yaml");
  await copyFile("samples/demo-policy.yaml", file);
  await writeFile(file, `${await readFile(file, "utf8")}${ESCALATION}`);
  store = openSqliteStore({ path: join(dir, "reach.db") });
  const catalogue = await PolicyCatalogue.open(join(dir, "policies"));
  const loaded = catalogue.get("demo");
  if (loaded === undefined) throw new Error("the demo policy did not load");
  policy = loaded;
  dataset = (await ADAPTERS.canonical.import(DATA)).dataset;
  directory = buildDirectory([policy], dataset, "2026-12-16");
  runs = new ScheduledRuns({
    store,
    catalogue,
    importData: () => ADAPTERS.canonical.import(DATA),
    owner: "serve:test:1",
    log: silentLogger(),
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function settle(clock: ManualClock, scheduler: Scheduler): Promise<void> {
  await scheduler.idle();
  for (let i = 0; i < 1000 && clock.waiting === 0; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** 07:00 in London is 07:00 UTC in winter. */
async function runDay(clock: ManualClock, scheduler: Scheduler, date: string): Promise<void> {
  await clock.advanceTo(`${date}T07:00:00Z`);
  await settle(clock, scheduler);
}

async function caseOf(caseId: string): Promise<{ stored: StoredCase; state: CaseState }> {
  const stored = await store.getCase("demo", caseId);
  const state = stored && foldCase(stored.events);
  if (stored === undefined || state === undefined) throw new Error(`no case ${caseId}`);
  return { stored, state };
}

async function threadLines(caseId: string): Promise<string[]> {
  const entries = await store.listOutbox({ policyId: "demo", caseId });
  return entries
    .filter((e) => e.kind === "thread_reply")
    .map((e) => (e.payload as { text: string }).text);
}

const acting = () => ({
  store,
  directory,
  describe: (_events: unknown, name: string) => `${name} acted`,
});

describe("escalations and reminders after each scheduled run", () => {
  it("proposes on the Nth school day, reminds once, and leaves the decision to the lead", async () => {
    const clock = new ManualClock("2026-12-16T06:30:00Z"); // Wednesday
    // Tuesday's run happened: no catch-up.
    await store.saveRun({
      runId: "earlier",
      policyId: "demo",
      asOf: "2026-12-15",
      startedAt: "2026-12-15T07:00:00.000Z",
      finishedAt: "2026-12-15T07:00:00.000Z",
      status: "succeeded",
      counts: {},
      errors: [],
    });
    const scheduler = new Scheduler({ clock, port: runs });
    await scheduler.start();
    await settle(clock, scheduler);
    try {
      await runDay(clock, scheduler, "2026-12-16");
      const [wednesday] = await store.listRuns({ policyId: "demo", asOf: "2026-12-16" });
      expect(wednesday.status).toBe("succeeded");

      // Two cases of Alex Wilber's advisees in sch1: one he takes, one nobody takes.
      const opened = (await store.listOpenCases("demo"))
        .map((c) => foldCase(c.events) as CaseState)
        .filter((s) => directory.students.get(s.studentId)?.adviserIds.includes("T-ALEX"));
      expect(opened.length).toBeGreaterThanOrEqual(2);
      const [taken, waiting] = opened;
      const confirm = await actOnCase(
        {
          aadObjectId: ALEX,
          verb: "confirm",
          data: { caseId: taken.caseId, policyId: "demo", version: taken.version },
          conversationId: undefined,
          at: "2026-12-16T10:00:00.000Z",
        },
        acting(),
      );
      expect(confirm.kind).toBe("done");
      const reminders = async () =>
        (await threadLines(waiting.caseId)).filter((t) => t.startsWith("This case has waited"));
      const escalations = async () =>
        (await caseOf(taken.caseId)).stored.events.filter((e) => e.type === "escalation_proposed");

      await runDay(clock, scheduler, "2026-12-17"); // 1 school day
      expect(await reminders()).toEqual([]);
      expect(await escalations()).toEqual([]);

      await runDay(clock, scheduler, "2026-12-18"); // 2 school days
      expect(await reminders()).toEqual([
        "This case has waited 2 school days for someone to take it.",
      ]);
      expect(await threadLines(taken.caseId)).toEqual(["Alex Wilber acted"]);
      expect(await escalations()).toEqual([]);

      // The Christmas break: the scheduler fires on weekdays and records them as skipped.
      for (const date of ["2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-25"]) {
        await runDay(clock, scheduler, date);
      }
      for (const date of ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01"]) {
        await runDay(clock, scheduler, date);
      }
      const [breakDay] = await store.listRuns({ policyId: "demo", asOf: "2026-12-23" });
      expect(breakDay.status).toBe("skipped");
      expect(await escalations()).toEqual([]);

      await runDay(clock, scheduler, "2027-01-04"); // 3 school days
      const reason = "No successful contact in 3 school days since it was confirmed on 16 Dec 2026";
      expect(await escalations()).toEqual([
        expect.objectContaining({ actor: "reach", at: "2027-01-04T07:00:00.000Z", reason }),
      ]);
      expect(await threadLines(taken.caseId)).toEqual([
        "Alex Wilber acted",
        `Reach proposed an escalation to engagement-lead: ${reason}`,
      ]);
      const updates = (await store.listOutbox({ policyId: "demo", caseId: taken.caseId })).filter(
        (e) => e.kind === "card_update" && e.createdAt === "2027-01-04T07:00:00.000Z",
      );
      expect(updates).toHaveLength(1);
      expect(await reminders()).toHaveLength(1);

      // The card shows the engine's proposal, its reason and the lead's button.
      const { stored, state } = await caseOf(taken.caseId);
      const roster = rosterOf(dataset.staff);
      const card = JSON.stringify(
        renderCaseCard({
          view: caseView(state, null, roster),
          student: { displayName: "A student", school: "sch1" },
          recent: recentEvents(stored.events, roster),
        }),
      );
      expect(card).toContain(
        "Reach proposed an escalation. Waiting for an engagement lead to decide.",
      );
      expect(card).toContain(reason);
      expect(card).toContain("Decide escalation…");

      // The same date again — the scheduler's run, or the sweep itself: nothing more.
      const outboxBefore = (await store.listOutbox({ policyId: "demo" })).length;
      const versionBefore = stored.version;
      await runs.run(
        {
          policyId: "demo",
          asOf: "2027-01-04",
          scheduledAt: "2027-01-04T07:00:00.000Z",
          reason: "catch-up",
        },
        new AbortController().signal,
      );
      const calendars = buildCalendars(dataset);
      const again = await sweepCases({
        store,
        policy,
        asOf: parseIsoDate("2027-01-04") as number,
        at: "2027-01-04T07:00:00.000Z",
        schoolDays: new Map([...calendars].map(([school, c]) => [school, c.days])),
        studentOf: (id) => directory.students.get(id),
        roster,
      });
      expect(again).toEqual({ escalationsProposed: 0, reminders: 0, passed: [] });
      expect((await store.listOutbox({ policyId: "demo" })).length).toBe(outboxBefore);
      expect((await caseOf(taken.caseId)).stored.version).toBe(versionBefore);

      // Only an engagement lead decides: the adviser is refused, the lead declines.
      const decide = (aadObjectId: string, version: number) =>
        actOnCase(
          {
            aadObjectId,
            verb: "decide_escalation",
            data: {
              caseId: taken.caseId,
              policyId: "demo",
              version,
              decision: "decline",
              note: "Spoke to the family at the gate",
            },
            conversationId: undefined,
            at: "2027-01-04T09:00:00.000Z",
          },
          acting(),
        );
      const byAdviser = await decide(ALEX, versionBefore);
      expect(byAdviser.kind).toBe("refused");
      if (byAdviser.kind === "refused") {
        expect(byAdviser.notice.text).toContain(
          "only an engagement lead of policy demo's schools decides escalations",
        );
      }
      expect((await caseOf(taken.caseId)).stored.version).toBe(versionBefore);
      const byLead = await decide(ADELE, versionBefore);
      expect(byLead.kind).toBe("done");
      expect((await caseOf(taken.caseId)).state.escalation).toMatchObject({
        status: "declined",
        proposedBy: "reach",
        decidedBy: "T-ADELE",
        reason,
      });

      // Declined in this episode: the next school day proposes nothing new.
      await runDay(clock, scheduler, "2027-01-05");
      expect(await escalations()).toHaveLength(1);
      expect((await caseOf(taken.caseId)).state.status).toBe("active");
      expect(await reminders()).toHaveLength(1);
    } finally {
      await scheduler.stop();
    }
  }, 60_000);
});
