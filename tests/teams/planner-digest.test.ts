/**
 * The delivery planner's side of the weekly digest and the leads' card, on the real SQLite
 * store: a digest goes to the policy's leads' channel, else its own channel, else waits
 * until one is linked, rendered by the digest card; a payload that is not a digest of the
 * policy is skipped with the reason. A leads' card is the case's card in the leads'
 * channel, skipped when none is linked or when it is the policy's own channel.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildDirectory, DirectoryHolder } from "../../src/app/directory.ts";
import type { Digest } from "../../src/app/index.ts";
import type { Policy } from "../../src/rules/index.ts";
import type { OutboxEntry } from "../../src/store/outbox-records.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { renderDigestCard } from "../../src/teams/cards/digest-card.ts";
import { TeamsPlanner } from "../../src/teams/delivery-planner.ts";
import { CARD_CONTENT_TYPE, createPresenter } from "../../src/teams/presenter.ts";
import { CaseScript, SEF } from "../store/store-fixtures.ts";

const CASES_CHANNEL = "19:cases-sef@thread.tacv2";
const LEADS_CHANNEL = "19:leads-sef@thread.tacv2";
const AT = "2026-11-23T08:00:00.000Z";

const DIGEST: Digest = {
  policyId: SEF.id,
  policyName: "SEF engagement",
  date: "2026-11-23",
  week: { from: "2026-11-16", to: "2026-11-22" },
  previousWeek: { from: "2026-11-09", to: "2026-11-15" },
  cases: {
    opened: 7,
    confirmed: 4,
    dismissed: 2,
    resolved: 1,
    previous: { opened: 3, confirmed: 2, dismissed: 1, resolved: 0 },
    dismissedByReason: [{ reason: "data_error", count: 2 }],
    resolvedByOutcome: [{ outcome: "re_engaged", count: 1 }],
    openNow: 9,
  },
  firstContact: { cases: 3, medianDays: 1.5 },
  rulePeriod: { from: "2026-10-26", to: "2026-11-22" },
  rules: [
    {
      ruleId: "low-attendance",
      name: "Low attendance",
      decided: 6,
      dismissed: 3,
      dismissalRate: 0.5,
      noisy: true,
    },
  ],
  escalationsAwaiting: 1,
  runs: { succeeded: 5, failed: 0, skipped: 2, failures: [] },
  deadLetters: { week: 0, total: 0 },
  watch: [],
  hybrid: { schools: [], sections: [], sectionsOmitted: 0, sectionsSuppressed: 0 },
  help: { schoolDaysAfter: 10, rows: [] },
};

describe("the planner, digests and leads' cards", () => {
  let store: SqliteStore;
  let planner: TeamsPlanner;
  beforeEach(() => {
    store = openSqliteStore({ path: ":memory:" });
    const policy = { ...SEF, name: "SEF", timezone: "Europe/London" } as unknown as Policy;
    const directory = new DirectoryHolder(
      buildDirectory([policy], { staff: [], students: [] }, AT),
    );
    planner = new TeamsPlanner(store, createPresenter(directory));
  });
  afterEach(async () => {
    await store.close();
  });

  const link = (conversationId: string, purpose?: "leads") =>
    store.saveBinding({
      policyId: SEF.id,
      conversationId,
      boundBy: "lee",
      boundAt: AT,
      ...(purpose !== undefined && { purpose }),
    });

  async function queued(id: string, payload: unknown): Promise<OutboxEntry> {
    await store.enqueueOutbox([
      { id, policyId: SEF.id, kind: "digest", payload: payload as never, createdAt: AT },
    ]);
    const entry = await store.getOutboxEntry({ policyId: SEF.id, id });
    if (entry === undefined) throw new Error("not queued");
    return entry;
  }

  it("posts the digest card in the leads' channel, where one is linked", async () => {
    await link(CASES_CHANNEL);
    await link(LEADS_CHANNEL, "leads");
    const entry = await queued("digest:sef-eng:2026-11-23", DIGEST);
    const planned = await planner.plan(entry);
    expect(planned).toMatchObject({ op: "post", conversationId: LEADS_CHANNEL });
    if (planned.op !== "post") return;
    expect(planned.activity.attachments).toEqual([
      { contentType: CARD_CONTENT_TYPE, content: renderDigestCard(DIGEST) },
    ]);
    expect(planned.activity.channelData).toEqual({ reachOutboxId: entry.id });
    // The notification line names the policy and the week, no student.
    expect(planned.activity.summary).toBe(
      "Weekly digest of SEF engagement: 2026-11-16 to 2026-11-22",
    );
  });

  it("posts the digest in the policy's channel where no leads' channel is linked", async () => {
    await link(CASES_CHANNEL);
    const planned = await planner.plan(await queued("digest:sef-eng:2026-11-23", DIGEST));
    expect(planned).toMatchObject({ op: "post", conversationId: CASES_CHANNEL });
  });

  it("makes the digest wait while the policy has no channel at all", async () => {
    const planned = await planner.plan(await queued("digest:sef-eng:2026-11-23", DIGEST));
    expect(planned).toMatchObject({ op: "wait", reason: expect.stringContaining("no channel") });
  });

  it("skips a payload that is not a digest of the entry's policy", async () => {
    await link(CASES_CHANNEL);
    for (const [i, payload] of [
      {},
      { ...DIGEST, week: "last week" },
      { ...DIGEST, cases: null },
      { ...DIGEST, policyId: "law-ug" },
      "a digest",
    ].entries()) {
      const planned = await planner.plan(await queued(`digest:bad:${i}`, payload));
      expect(planned, String(i)).toEqual({
        op: "skip",
        reason: "the entry holds no digest of its policy",
      });
    }
  });

  describe("leads' cards", () => {
    async function escalated(): Promise<{ script: CaseScript; entry: OutboxEntry }> {
      const script = new CaseScript(SEF, "stu-1");
      await store.appendCaseEvents(script.open());
      await store.appendCaseEvents(script.next({ type: "confirm" }, "ada"));
      await store.appendCaseEvents(
        script.next({ type: "propose_escalation", reason: "no contact" }, "ada", [
          "card_update",
          "leads_card",
        ]),
      );
      const entry = (await store.listOutbox({ caseId: script.caseId })).find(
        (e) => e.kind === "leads_card",
      );
      if (entry === undefined) throw new Error("no leads' card queued");
      return { script, entry };
    }

    it("posts the case's card in the leads' channel", async () => {
      await link(CASES_CHANNEL);
      await link(LEADS_CHANNEL, "leads");
      const { script, entry } = await escalated();
      const planned = await planner.plan(entry);
      expect(planned).toMatchObject({ op: "post", conversationId: LEADS_CHANNEL });
      // The same card as the case's own, as the case stands now.
      const [cardEntry] = (await store.listOutbox({ caseId: script.caseId })).filter(
        (e) => e.kind === "case_card",
      );
      const caseCard = await planner.plan(cardEntry);
      if (planned.op !== "post" || caseCard.op !== "post") throw new Error("not posts");
      expect(planned.activity.attachments).toEqual(caseCard.activity.attachments);
      expect(planned.activity.channelData).toEqual({ reachOutboxId: entry.id });
    });

    it("is skipped when no leads' channel is linked", async () => {
      await link(CASES_CHANNEL);
      const { entry } = await escalated();
      expect(await planner.plan(entry)).toEqual({
        op: "skip",
        reason: "no leads' channel is linked",
      });
    });

    it("is skipped when the leads' channel is the policy's own", async () => {
      await link(CASES_CHANNEL);
      await link(CASES_CHANNEL, "leads");
      const { entry } = await escalated();
      expect(await planner.plan(entry)).toMatchObject({ op: "skip" });
    });
  });
});
