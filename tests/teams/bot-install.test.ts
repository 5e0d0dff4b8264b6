/**
 * Installation through the real `TeamsAdapter`: Reach added to a team records every channel
 * of the team (listed through the connector) with a reference that reaches it later; it
 * greets the team once although Teams announces the install twice; a personal install
 * records the adviser's chat; a removal marks the records removed and nothing is posted
 * there any more. The tests run in order on one Reach.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BOT,
  CASES,
  drained,
  GENERAL,
  type Harness,
  personalChatId,
  runEngine,
  SAMPLE,
  startHarness,
  TEAM,
  TENANT_ID,
  type TeamsChannel,
  USERS,
} from "../helpers/fake-connector.ts";

describe("installing and removing Reach", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const greetings = () =>
    h.fake
      .messagesIn(GENERAL.id)
      .filter((r) => String(r.body?.text ?? "").includes("I'm **Reach**"));

  it("records every channel of the team when added to it", async () => {
    const response = await h.teams.installInTeam(GENERAL, USERS.adele);
    expect(response.status).toBe(200);

    // The channels were listed through the connector, the team id decoded.
    const listed = h.fake.requests.filter((r) => r.route === "channels");
    expect(listed).toHaveLength(1);
    expect(listed[0].teamId).toBe(TEAM.id);

    const channels = await h.store.listConversations({ teamId: TEAM.id });
    expect(channels.map((c) => c.id).sort()).toEqual([CASES.id, GENERAL.id].sort());
    for (const channel of channels) {
      expect(channel).toMatchObject({
        kind: "channel",
        tenantId: TENANT_ID,
        teamId: TEAM.id,
        teamName: TEAM.name,
      });
      expect(channel.removedAt).toBeUndefined();
      expect(channel.reference).toMatchObject({
        serviceUrl: h.fake.url,
        channelId: "msteams",
        bot: { id: BOT.id },
        conversation: { id: channel.id, conversationType: "channel" },
      });
      // A proactive message is from the bot to the channel, not to whoever installed it.
      expect(channel.reference).not.toHaveProperty("user");
      expect(channel.reference).not.toHaveProperty("activityId");
    }
    expect(channels.find((c) => c.id === GENERAL.id)?.name).toBe("General");
    expect(channels.find((c) => c.id === CASES.id)?.name).toBe("Cases");
  });

  it("greets the team exactly once, though Teams also sends an installationUpdate", async () => {
    const response = await h.teams.installationUpdate(GENERAL, USERS.adele, "add");
    expect(response.status).toBe(200);
    expect(greetings()).toHaveLength(1);
    expect(greetings()[0].body.text).toContain("@Reach link POLICY-ID");
    // Nothing was said in the other channel.
    expect(h.fake.messagesIn(CASES.id)).toEqual([]);
    // The second event refreshed the same two records.
    expect(await h.store.listConversations({ teamId: TEAM.id })).toHaveLength(2);
  });

  it("does not greet again when a client announces the install again", async () => {
    // The Agents Playground sends the install again whenever a page connects, from
    // whichever channel the page opens.
    for (const channel of [GENERAL, CASES, GENERAL]) {
      expect((await h.teams.installInTeam(channel, USERS.alex)).status).toBe(200);
      expect((await h.teams.installationUpdate(channel, USERS.alex, "add")).status).toBe(200);
    }
    expect(greetings()).toHaveLength(1);
    expect(h.fake.messagesIn(CASES.id)).toEqual([]);
    expect(await h.store.listConversations({ teamId: TEAM.id })).toHaveLength(2);
  });

  it("records an adviser's personal chat when they install Reach", async () => {
    const response = await h.teams.installPersonal(USERS.alex);
    expect(response.status).toBe(200);
    const chat = await h.store.getConversation(personalChatId(USERS.alex));
    expect(chat).toMatchObject({
      id: personalChatId(USERS.alex),
      kind: "personal",
      tenantId: TENANT_ID,
      userAadObjectId: USERS.alex.aadObjectId,
      reference: {
        serviceUrl: h.fake.url,
        conversation: { id: personalChatId(USERS.alex), conversationType: "personal" },
      },
    });
    expect(await h.store.listConversations({ userAadObjectId: USERS.alex.aadObjectId })).toEqual([
      chat,
    ]);
    // No greeting in a personal chat on install, and no second greeting in the team.
    expect(h.fake.posts(personalChatId(USERS.alex))).toEqual([]);
    expect(h.fake.replies(personalChatId(USERS.alex))).toEqual([]);
    expect(greetings()).toHaveLength(1);
  });

  it("marks a personal chat removed when the adviser uninstalls Reach", async () => {
    await h.teams.installPersonal(USERS.isaiah);
    await h.teams.installPersonal(USERS.isaiah, "remove");
    const chat = await h.store.getConversation(personalChatId(USERS.isaiah));
    expect(chat?.removedAt).toEqual(expect.any(String));
    expect(await h.store.listConversations({ kind: "personal" })).toHaveLength(1); // Alex's
  });

  it("marks every channel removed when removed from the team, and posts nothing there", async () => {
    // The policy is bound to Cases before the bot is removed from the team.
    await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
    expect((await h.store.getBinding(SAMPLE.policyId))?.conversationId).toBe(CASES.id);

    const response = await h.teams.removeFromTeam(GENERAL, USERS.adele);
    expect(response.status).toBe(200);
    expect(await h.store.listConversations({ teamId: TEAM.id })).toEqual([]);
    const removed = await h.store.listConversations({ teamId: TEAM.id, includeRemoved: true });
    expect(removed).toHaveLength(2);
    for (const channel of removed) expect(channel.removedAt).toEqual(expect.any(String));

    const before = h.fake.requests.length;
    const run = await runEngine(h);
    expect(run.opened).toBe(15);
    await drained(h.store);
    // Every card was given up (the bot is no longer in the team), none was sent.
    expect(h.fake.requests.slice(before)).toEqual([]);
    expect(await h.store.countOutbox(SAMPLE.policyId)).toEqual({ pending: 0, sent: 0, dead: 15 });
    const dead = await h.store.listOutbox({ policyId: SAMPLE.policyId, status: "dead" });
    expect(dead[0].lastError).toContain("removed");
  });

  it("records the channels again when added back", async () => {
    await h.teams.installInTeam(GENERAL, USERS.adele);
    const channels = await h.store.listConversations({ teamId: TEAM.id });
    expect(channels).toHaveLength(2);
    for (const channel of channels) expect(channel.removedAt).toBeUndefined();
  });

  it("still records the channel it was added in when the channel list fails", async () => {
    const other: TeamsChannel = {
      teamId: "19:team-other@thread.tacv2",
      teamName: "Other team",
      id: "19:team-other@thread.tacv2",
    };
    h.fake.failNext("channels", 403);
    const response = await h.teams.installInTeam(other, USERS.adele);
    expect(response.status).toBe(200);
    expect(h.fake.requests.filter((r) => r.teamId === other.teamId).map((r) => r.status)).toEqual([
      403,
    ]);
    const channels = await h.store.listConversations({ teamId: other.teamId });
    expect(channels.map((c) => [c.id, c.name])).toEqual([[other.id, "General"]]);
  });
});
