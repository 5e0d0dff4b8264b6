/**
 * Binding a policy to a channel with channel commands (`@Reach link|binding|unlink|help`),
 * through the real `TeamsAdapter`: only an engagement lead of the policy's schools may
 * link or unlink; the bot answers in the message's thread. The tests run in order on one
 * Reach.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TeamsChannel } from "../helpers/fake-connector.ts";
import {
  CASES,
  GENERAL,
  type Harness,
  SAMPLE,
  startHarness,
  TEAM,
  type TeamsUser,
  type Turn,
  turn,
  USERS,
} from "../helpers/fake-connector.ts";

const POLICY_NAME = "Northfield (sch1) — attendance and engagement";

describe("binding a policy to a channel", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.teams.installInTeam(GENERAL, USERS.adele);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function say(user: TeamsUser, text: string, channel: TeamsChannel = CASES): Promise<Turn> {
    const t = await turn(h, () => h.teams.channelMessage(channel, user, text));
    expect(t.response.status).toBe(200);
    // One answer, in the thread of the message that asked.
    expect(t.said).toHaveLength(1);
    const [reply] = t.said;
    expect(reply.route).toBe("reply");
    expect(reply.conversationId).toMatch(
      new RegExp(`^${escapeRegExp(channel.id)};messageid=\\d+$`),
    );
    expect(reply.activityId).toBe(reply.conversationId?.split("=")[1]);
    return t;
  }

  it("refuses `link` from an adviser (not a lead), and binds nothing", async () => {
    const t = await say(USERS.megan, `link ${SAMPLE.policyId}`);
    expect(t.texts[0]).toBe(
      "Sorry — only an engagement lead of the policy's schools can change where its cases go, and Megan Bowen is not an engagement lead. Nothing has changed.",
    );
    expect(await h.store.getBinding(SAMPLE.policyId)).toBeUndefined();
  });

  it("refuses `link` from a support officer and from someone not on the roster", async () => {
    const officer = await say(USERS.isaiah, `link ${SAMPLE.policyId}`);
    expect(officer.texts[0]).toContain("Isaiah Langer is not an engagement lead");
    const stranger = await say(USERS.patti, `link ${SAMPLE.policyId}`);
    expect(stranger.texts[0]).toContain("Reach doesn't know you as a member of staff");
    expect(stranger.texts[0]).toContain("Nothing has changed.");
    expect(await h.store.listBindings()).toEqual([]);
  });

  it("binds the policy when its engagement lead says `link`", async () => {
    const t = await say(USERS.adele, `link ${SAMPLE.policyId}`);
    expect(t.texts[0]).toBe(
      `Linked: cases of **${POLICY_NAME}** (\`${SAMPLE.policyId}\`) will be posted in this channel.`,
    );
    expect(await h.store.getBinding(SAMPLE.policyId)).toEqual({
      policyId: SAMPLE.policyId,
      conversationId: CASES.id,
      teamId: TEAM.id,
      boundBy: "T-ADELE",
      boundAt: expect.any(String),
    });
  });

  it("lists the binding with `binding`, for anyone in the channel", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const t = await say(USERS.megan, "binding");
    expect(t.texts[0]).toBe(
      `Cases posted in this channel:\n\n- **${POLICY_NAME}** (\`${SAMPLE.policyId}\`), linked by Adele Vance on ${today}`,
    );
    const general = await say(USERS.megan, "binding", GENERAL);
    expect(general.texts[0]).toContain("No policy posts its cases here yet.");
  });

  it("lists the known policies when asked to link an unknown one", async () => {
    const t = await say(USERS.adele, "link southfield");
    expect(t.texts[0]).toBe(`There is no policy \`southfield\`. Policies: \`${SAMPLE.policyId}\`.`);
    const none = await say(USERS.adele, "link");
    expect(none.texts[0]).toBe(
      `Which policy? Say \`@Reach link POLICY-ID\`. Policies: \`${SAMPLE.policyId}\`.`,
    );
    expect((await h.store.listBindings()).map((b) => b.conversationId)).toEqual([CASES.id]);
  });

  it("refuses `unlink` from an adviser, and keeps the binding", async () => {
    const t = await say(USERS.megan, `unlink ${SAMPLE.policyId}`);
    expect(t.texts[0]).toContain("Megan Bowen is not an engagement lead");
    expect((await h.store.getBinding(SAMPLE.policyId))?.conversationId).toBe(CASES.id);
  });

  it("says there is nothing to unlink in a channel the policy does not post to", async () => {
    const t = await say(USERS.adele, `unlink ${SAMPLE.policyId}`, GENERAL);
    expect(t.texts[0]).toBe(
      `Policy \`${SAMPLE.policyId}\` doesn't post its cases here, so there is nothing to unlink.`,
    );
    expect((await h.store.getBinding(SAMPLE.policyId))?.conversationId).toBe(CASES.id);
  });

  it("removes the binding when the lead says `unlink`", async () => {
    const t = await say(USERS.adele, `unlink ${SAMPLE.policyId}`);
    expect(t.texts[0]).toContain(`Unlinked: cases of **${POLICY_NAME}** won't be posted here`);
    expect(await h.store.getBinding(SAMPLE.policyId)).toBeUndefined();
    const again = await say(USERS.adele, "binding");
    expect(again.texts[0]).toContain("No policy posts its cases here yet.");
  });

  it("moves the binding when the lead links the policy in another channel", async () => {
    await say(USERS.adele, `link ${SAMPLE.policyId}`);
    const t = await say(USERS.adele, `link ${SAMPLE.policyId}`, GENERAL);
    expect(t.texts[0]).toContain("It was posting to another channel before");
    expect((await h.store.getBinding(SAMPLE.policyId))?.conversationId).toBe(GENERAL.id);
  });

  it("answers `help` and unknown commands with the channel help", async () => {
    const help = await say(USERS.megan, "help");
    expect(help.texts[0]).toContain("**Reach in this channel**");
    expect(help.texts[0]).toContain("`@Reach link POLICY-ID`");
    const unknown = await say(USERS.megan, "frobnicate the widgets");
    expect(unknown.texts[0]).toMatch(/^I don't know “frobnicate the widgets”\./);
    expect(unknown.texts[0]).toContain("**Reach in this channel**");
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
