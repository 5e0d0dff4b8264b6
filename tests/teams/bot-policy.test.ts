/**
 * `@Reach policy` end to end, through the real `TeamsAdapter`, HTTP and SQLite, on the
 * sample school: a member of staff asks in the channel the Northfield policy is linked to
 * and gets the policy as a card — each rule as a sentence, last week's figures per rule,
 * no student named; a stranger is refused and the refusal audited; an unknown policy id in
 * a personal chat gets the list of policies; hostile ids get a clear answer.
 *
 * The clock is Monday 1 February 2027, 09:00 in London; the engine ran on Friday 29
 * January, so last week (26 January – 1 February) holds the cases it opened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICY_STRANGER_TEXT, READ_POLICY_ACTION, UNATTRIBUTED } from "../../src/app/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { describePolicy } from "../../src/run/index.ts";
import { clockFrom } from "../../src/schedule/index.ts";
import {
  CHANNEL_HELP,
  PERSONAL_HELP,
  parseChannelCommand,
  parsePersonalCommand,
} from "../../src/teams/commands.ts";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  SAMPLE,
  startHarness,
  type TeamsChannel,
  type TeamsUser,
  textOf,
  turn,
  USERS,
} from "../helpers/fake-connector.ts";

const CARD_TYPE = "application/vnd.microsoft.card.adaptive";
const NOW = Date.parse("2027-02-01T09:00:00Z");

describe("the policy commands", () => {
  it("parses `policy [POLICY-ID]` in a channel and `policy POLICY-ID` in a personal chat", () => {
    const channel = (text: string) => parseChannelCommand(`<at>Reach</at> ${text}`);
    expect(channel("policy")).toEqual({ kind: "policy", policyId: undefined });
    expect(channel("Policy northfield")).toEqual({ kind: "policy", policyId: "northfield" });
    expect(parsePersonalCommand("policy northfield")).toEqual({
      kind: "policy",
      policyId: "northfield",
    });
    expect(parsePersonalCommand("POLICY")).toEqual({ kind: "policy", policyId: undefined });
    expect(parsePersonalCommand("policy a b")).toMatchObject({ kind: "unknown" });
  });

  it("lists them in the help", () => {
    expect(CHANNEL_HELP).toContain("`@Reach policy POLICY-ID`");
    expect(PERSONAL_HELP).toContain("`policy POLICY-ID`");
  });
});

describe("@Reach policy", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(undefined, { clock: clockFrom(NOW) });
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
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const say = (channel: TeamsChannel, user: TeamsUser, text: string) =>
    turn(h, () => h.teams.channelMessage(channel, user, text));
  const chat = (user: TeamsUser, text: string) =>
    turn(h, () => h.teams.personalMessage(user, text));
  /** The one card the bot sent in a turn. */
  const cardOf = (said: Awaited<ReturnType<typeof say>>) => {
    const cards = said.said.flatMap((r) => r.body?.attachments ?? []);
    expect(cards).toHaveLength(1);
    expect(cards[0].contentType).toBe(CARD_TYPE);
    return cards[0].content;
  };
  const sentences = () => {
    const policy = h.reach.policies.find((p) => p.id === SAMPLE.policyId);
    if (policy === undefined) throw new Error("no policy");
    return describePolicy(policy).rules.map((r) => r.sentence);
  };

  it("shows a member of staff the linked policy as a card: each rule as a sentence", async () => {
    const asked = await say(CASES, USERS.alex, "policy");
    expect(asked.response.status).toBe(200);
    const card = cardOf(asked);
    const text = textOf(card);
    expect(text).toContain("Northfield (sch1) — attendance and engagement");
    expect(text).toContain("Students of Northfield (sch1)");
    expect(text).toContain("07:00 on weekdays, Europe/London");
    expect(text).toContain("The last 45 school days");
    for (const sentence of sentences()) expect(text).toContain(sentence);
    expect(text).toContain(
      "Missing more than 10% of recorded sessions over the last 45 school days, with at least 10 sessions recorded → high severity",
    );
    expect(text).toContain("Reach proposes an escalation to an engagement lead");
    expect(text).toContain("Messages to students wait from 18:00 to 08:00");
    expect(text).toContain("Last week is 26 Jan – 1 Feb 2027");
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
    expect(JSON.stringify(card)).not.toContain("${");
  });

  it("counts last week's findings, cases opened and dismissals per rule", async () => {
    const text = textOf(cardOf(await say(CASES, USERS.isaiah, "policy northfield")));
    const counts = text.split("\n").filter((line) => line.startsWith("Last week:"));
    expect(counts).toHaveLength(4);
    const opened = counts
      .slice(0, 3)
      .map((line) => Number(/(\d+) cases? opened/.exec(line)?.[1] ?? Number.NaN));
    // Every case opened by the run has at least one of the three case rules.
    expect(opened.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(15);
    expect(counts[3]).toMatch(/^Last week: \d+ watched on the last run/);
  });

  it("names no student, and lets any member of staff read it (audited)", async () => {
    const asked = await say(CASES, USERS.megan, "policy");
    const json = JSON.stringify(cardOf(asked));
    for (const student of h.reach.dataset?.students ?? []) {
      expect(json).not.toMatch(new RegExp(`\\b${student.id}\\b`));
      if (student.displayName) expect(json).not.toContain(student.displayName);
    }
    const audit = await h.store.listAudit(SAMPLE.policyId, "");
    const reads = audit.filter((a) => a.action === READ_POLICY_ACTION);
    expect(reads.map((a) => a.actor)).toEqual(["T-ALEX", "T-ISAIAH", "T-MEGAN"]);
    expect(reads.every((a) => a.allowed && a.caseId === "")).toBe(true);
  });

  it("refuses a stranger, in the channel and in a personal chat, and audits both", async () => {
    const inChannel = await say(CASES, USERS.patti, "policy northfield");
    expect(inChannel.texts).toEqual([POLICY_STRANGER_TEXT]);
    expect(inChannel.said.flatMap((r) => r.body?.attachments ?? [])).toEqual([]);
    const inChat = await chat(USERS.patti, "policy northfield");
    expect(inChat.texts).toEqual([POLICY_STRANGER_TEXT]);
    const refused = (await h.store.listAudit(UNATTRIBUTED, "")).filter(
      (a) => a.action === READ_POLICY_ACTION && a.actor === `aad:${USERS.patti.aadObjectId}`,
    );
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ allowed: false, refusal: "not_authorised" });
    expect(refused[0].why).toContain("northfield");
    expect(
      (await h.store.listAudit(SAMPLE.policyId, "")).filter(
        (a) => a.actor === `aad:${USERS.patti.aadObjectId}`,
      ),
    ).toEqual([]);
  });

  it("shows the policy in a personal chat, and lists the policies for an unknown id", async () => {
    const card = textOf(cardOf(await chat(USERS.alex, "policy northfield")));
    for (const sentence of sentences()) expect(card).toContain(sentence);

    const unknown = await chat(USERS.alex, "policy southfield");
    expect(unknown.texts).toEqual(["There is no policy `southfield`. Policies: `northfield`."]);
    const which = await chat(USERS.alex, "policy");
    expect(which.texts).toEqual(["Which policy? Say `policy POLICY-ID`. Policies: `northfield`."]);
    const refused = (await h.store.listAudit(UNATTRIBUTED, "")).filter(
      (a) => a.action === READ_POLICY_ACTION && a.actor === "T-ALEX",
    );
    expect(refused).toEqual([
      expect.objectContaining({ allowed: false, refusal: "invalid_input" }),
    ]);
  });

  it("asks which policy in a channel no policy is linked to", async () => {
    const asked = await say(GENERAL, USERS.alex, "policy");
    expect(asked.texts).toEqual([
      "Which policy? Say `@Reach policy POLICY-ID`. Policies: `northfield`.",
    ]);
  });

  it("answers hostile ids clearly: 10,000 characters, control characters, backticks", async () => {
    const long = "x".repeat(10_000);
    for (const ask of [
      () => chat(USERS.alex, `policy ${long}`),
      () => say(CASES, USERS.alex, `policy ${long}`),
    ]) {
      const answer = await ask();
      expect(answer.response.status).toBe(200);
      expect(answer.texts).toHaveLength(1);
      expect(answer.texts[0]).toMatch(
        /^There is no policy `x{100}… \(10000 characters\)`\. Policies: `northfield`\.$/,
      );
    }
    const control = await chat(USERS.alex, "policy north\u0000fi\u0007eld\u202e`x`");
    expect(control.response.status).toBe(200);
    expect(control.texts).toEqual([
      "There is no policy `north?fi?eld?'x'`. Policies: `northfield`.",
    ]);
    const stranger = await say(CASES, USERS.patti, `policy ${long}\u0000`);
    expect(stranger.texts).toEqual([POLICY_STRANGER_TEXT]);
    const audit = await h.store.listAudit(UNATTRIBUTED, "");
    for (const record of audit) expect(record.why.length).toBeLessThan(400);
  });
});
