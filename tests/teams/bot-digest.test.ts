/**
 * The weekly digest and the leads' channel end to end, through the real `TeamsAdapter`,
 * HTTP, the delivery worker and SQLite, on the sample school: an engagement lead links a
 * leads' channel and asks for this week's digest; the worker posts the digest card there
 * (a second ask on the same date posts nothing new); an adviser asking is refused and the
 * refusal audited; with no leads' channel the digest goes to the policy's channel; an
 * escalation the daily sweep proposes posts the case's card in the leads' channel.
 *
 * The clock is Monday 1 February 2027, 09:00 in London; the engine ran on Friday 29
 * January, so the digest's week (26 January – 1 February) holds the 15 cases it opened.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Digest } from "../../src/app/index.ts";
import { sweepCases } from "../../src/app/index.ts";
import { buildCalendars } from "../../src/calendar/index.ts";
import { rosterOf } from "../../src/cases/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { clockFrom } from "../../src/schedule/index.ts";
import { CHANNEL_HELP, parseChannelCommand } from "../../src/teams/commands.ts";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  localConfig,
  SAMPLE,
  startHarness,
  TEAM,
  type TeamsChannel,
  textOf,
  turn,
  USERS,
} from "../helpers/fake-connector.ts";

const CARD_TYPE = "application/vnd.microsoft.card.adaptive";
const NOW = Date.parse("2027-02-01T09:00:00Z");
const clock = clockFrom(NOW);
const DIGEST_ID = `digest:${SAMPLE.policyId}:2027-02-01`;
const LEADS: TeamsChannel = {
  teamId: TEAM.id,
  teamName: TEAM.name,
  id: "19:leads-channel@thread.tacv2",
  name: "Leads",
};

/** Reach on the sample, the policy linked to Cases, the engine run on 29 January. */
async function started(): Promise<Harness> {
  const h = await startHarness(undefined, { clock });
  await h.teams.installInTeam(GENERAL, USERS.adele);
  await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
  const policy = h.reach.policies.find((p) => p.id === SAMPLE.policyId);
  const dataset = h.reach.dataset;
  if (policy === undefined || dataset === undefined) throw new Error("sample not loaded");
  const run = await applyRun({
    store: h.store,
    policy,
    dataset,
    asOf: parseIsoDate(SAMPLE.asOf) as number,
    at: "2027-01-29T07:00:00.000Z",
    owner: "test",
  });
  expect(run.opened).toBe(15);
  await drained(h.store);
  return h;
}

/** The digest cards posted into a channel (new threads with Reach's digest outbox id). */
function digestPosts(h: Harness, channelId: string) {
  return h.fake
    .posts(channelId)
    .filter((p) => String(p.body?.channelData?.reachOutboxId ?? "").startsWith("digest:"));
}

const say = (h: Harness, channel: TeamsChannel, user: typeof USERS.adele, text: string) =>
  turn(h, () => h.teams.channelMessage(channel, user, text));

describe("the channel commands for leads' channels and the digest", () => {
  it("parses link and unlink with `leads`, and digest with or without a policy", () => {
    const parse = (text: string) => parseChannelCommand(`<at>Reach</at> ${text}`);
    expect(parse("link northfield leads")).toEqual({
      kind: "link",
      policyId: "northfield",
      purpose: "leads",
    });
    expect(parse("link northfield LEADS")).toMatchObject({ purpose: "leads" });
    expect(parse("link northfield")).toEqual({ kind: "link", policyId: "northfield" });
    expect(parse("unlink leads")).toEqual({
      kind: "unlink",
      policyId: undefined,
      purpose: "leads",
    });
    expect(parse("unlink")).toEqual({ kind: "unlink", policyId: undefined });
    expect(parse("digest")).toEqual({ kind: "digest", policyId: undefined });
    expect(parse("Digest northfield")).toEqual({ kind: "digest", policyId: "northfield" });
  });

  it("lists them in the help", () => {
    expect(CHANNEL_HELP).toContain("`@Reach link POLICY-ID leads`");
    expect(CHANNEL_HELP).toContain("`@Reach unlink POLICY-ID leads`");
    expect(CHANNEL_HELP).toContain("`@Reach digest POLICY-ID`");
  });
});

describe("the digest with a leads' channel", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await started();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("lets the lead link a leads' channel, and shows it in the channel's bindings", async () => {
    const linked = await say(h, LEADS, USERS.adele, `link ${SAMPLE.policyId} leads`);
    expect(linked.texts.join("\n")).toContain("this is now the leads' channel of");
    expect(await h.store.getBinding(SAMPLE.policyId, "leads")).toMatchObject({
      conversationId: LEADS.id,
      boundBy: "T-ADELE",
    });
    expect((await h.store.getBinding(SAMPLE.policyId))?.conversationId).toBe(CASES.id);
    const shown = await say(h, LEADS, USERS.adele, "binding");
    expect(shown.texts.join("\n")).toContain("The leads' channel (weekly digest and escalations)");
    expect(shown.texts.join("\n")).not.toContain("Cases posted in this channel");
  });

  it("refuses an adviser who asks for the digest or to link, and audits both", async () => {
    const asked = await say(h, LEADS, USERS.alex, `digest ${SAMPLE.policyId}`);
    expect(asked.texts).toEqual([
      "Sorry — only an engagement lead of the policy's schools can ask for its digest, and Alex Wilber is not an engagement lead. Nothing was posted.",
    ]);
    const link = await say(h, GENERAL, USERS.alex, `link ${SAMPLE.policyId} leads`);
    expect(link.texts.join("\n")).toContain(
      "only an engagement lead of the policy's schools can change where its digest and escalations go",
    );
    const audit = await h.store.listAudit(SAMPLE.policyId, "");
    expect(audit.slice(-2)).toEqual([
      expect.objectContaining({
        actor: "T-ALEX",
        action: "digest",
        allowed: false,
        refusal: "not_authorised",
      }),
      expect.objectContaining({
        actor: "T-ALEX",
        action: "link_leads",
        allowed: false,
        refusal: "not_authorised",
      }),
    ]);
    expect(await h.store.getOutboxEntry({ policyId: SAMPLE.policyId, id: DIGEST_ID })).toBe(
      undefined,
    );
    expect((await h.store.getBinding(SAMPLE.policyId, "leads"))?.conversationId).toBe(LEADS.id);
  });

  it("posts this week's digest card in the leads' channel when the lead asks", async () => {
    // The policy left out: the one linked to this channel.
    const asked = await say(h, LEADS, USERS.adele, "digest");
    // (The worker may post the card while the turn is still open: a message with no text.)
    expect(asked.texts.filter((t) => t !== "")).toEqual(["This week's digest is posted."]);
    await drained(h.store);

    const entry = await h.store.getOutboxEntry({ policyId: SAMPLE.policyId, id: DIGEST_ID });
    expect(entry).toMatchObject({ kind: "digest", status: "sent" });
    const digest = entry?.payload as unknown as Digest;
    expect(digest.week).toEqual({ from: "2027-01-26", to: "2027-02-01" });
    expect(digest.cases.opened).toBe(15);

    const posts = digestPosts(h, LEADS.id);
    expect(posts).toHaveLength(1);
    expect(digestPosts(h, CASES.id)).toEqual([]);
    const [post] = posts;
    expect(post.body.conversation.id).toBe(LEADS.id);
    expect(post.body.attachments).toHaveLength(1);
    expect(post.body.attachments[0].contentType).toBe(CARD_TYPE);
    const card = textOf(post.body.attachments[0].content);
    expect(card).toMatch(/\b15 opened\b/);
    // No student is named in the digest.
    for (const student of h.reach.dataset?.students ?? []) {
      expect(card).not.toContain(student.displayName);
    }
    // The lead's read of the cases in aggregate is audited, once.
    const audit = await h.store.listAudit(SAMPLE.policyId, "");
    expect(audit.filter((a) => a.action === "digest" && a.allowed)).toEqual([
      expect.objectContaining({ actor: "T-ADELE" }),
    ]);
  });

  it("answers a second ask on the same date with the digest already posted", async () => {
    const again = await say(h, LEADS, USERS.adele, `digest ${SAMPLE.policyId}`);
    expect(again.texts).toEqual(["This week's digest was already posted today."]);
    await drained(h.store);
    expect(digestPosts(h, LEADS.id)).toHaveLength(1);
  });

  it("posts an escalation Reach proposes as the case's card in the leads' channel", async () => {
    const entries = await h.store.listOutbox({ policyId: SAMPLE.policyId });
    const cardEntry = entries.find((e) => e.kind === "case_card");
    const caseId = cardEntry?.caseId as string;
    const click = async (verb: string, form: Record<string, unknown> = {}) => {
      const version = (await h.store.getCase(SAMPLE.policyId, caseId))?.version;
      const response = await h.teams.channelInvoke(
        CASES,
        USERS.alex,
        verb,
        { caseId, policyId: SAMPLE.policyId, version, ...form },
        cardEntry?.activityId,
      );
      expect(response.status).toBe(200);
    };
    await click("confirm");
    await drained(h.store);

    const policy = h.reach.policies.find((p) => p.id === SAMPLE.policyId);
    const dataset = h.reach.dataset;
    if (policy === undefined || dataset === undefined) throw new Error("sample not loaded");
    const schoolDays = new Map<string, ArrayLike<number>>();
    for (const [school, calendar] of buildCalendars(dataset)) schoolDays.set(school, calendar.days);
    // The policy escalates a case with no successful contact in 5 school days since it was
    // confirmed: the sweep after the run of Monday 8 February.
    const swept = await sweepCases({
      store: h.store,
      policy,
      asOf: parseIsoDate("2027-02-08") as number,
      at: new Date(clock.now()).toISOString(),
      schoolDays,
      studentOf: (id) => dataset.students[dataset.studentIndex.get(id) ?? -1],
      roster: rosterOf(dataset.staff),
    });
    expect(swept.escalationsProposed).toBe(1);
    await drained(h.store);

    const leadsCard = (await h.store.listOutbox({ caseId })).find((e) => e.kind === "leads_card");
    expect(leadsCard).toMatchObject({ status: "sent" });
    const posted = h.fake
      .posts(LEADS.id)
      .filter((p) => p.body?.channelData?.reachOutboxId === leadsCard?.id);
    expect(posted).toHaveLength(1);
    expect(posted[0].body.attachments[0].contentType).toBe(CARD_TYPE);
    expect(textOf(posted[0].body.attachments[0].content)).toContain("proposed an escalation");
    expect(leadsCard?.activityId).toBe(posted[0].answeredId);
  });
});

describe("the digest with no leads' channel", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await started();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("goes to the policy's channel", async () => {
    const asked = await say(h, CASES, USERS.adele, "digest");
    expect(asked.texts.filter((t) => t !== "")).toEqual(["This week's digest is posted."]);
    await drained(h.store);
    const posts = digestPosts(h, CASES.id);
    expect(posts).toHaveLength(1);
    expect(posts[0].body.attachments[0].contentType).toBe(CARD_TYPE);
    expect(posts[0].body.channelData.reachOutboxId).toBe(DIGEST_ID);
  });

  it("asks which policy in a channel no policy is linked to", async () => {
    const asked = await say(h, GENERAL, USERS.adele, "digest");
    expect(asked.texts.join("\n")).toContain("Which policy? Say `@Reach digest POLICY-ID`");
  });
});

describe("the digest asked for in Teams reads the data as last imported", () => {
  it("needs no import on the request: the data folder gone since, it is still made", async () => {
    const copy = mkdtempSync(join(tmpdir(), "reach-digest-data-"));
    cpSync(SAMPLE.dataDir, copy, { recursive: true });
    const h = await startHarness(localConfig({ dataDir: copy }), { clock });
    try {
      await h.teams.installInTeam(GENERAL, USERS.adele);
      await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
      // Importing now would fail: the folder Reach read at start is gone.
      rmSync(copy, { recursive: true, force: true });
      const asked = await say(h, CASES, USERS.adele, "digest");
      expect(asked.texts.filter((t) => t !== "")).toEqual(["This week's digest is posted."]);
      const entry = await h.store.getOutboxEntry({ policyId: SAMPLE.policyId, id: DIGEST_ID });
      const digest = entry?.payload as { hybrid: { schools: { students: number }[] } };
      // The hybrid figures count the students of the data imported at start.
      expect(digest.hybrid.schools[0].students).toBeGreaterThan(0);
    } finally {
      await h.close();
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
});
