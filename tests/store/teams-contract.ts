/**
 * The store contract for what Reach keeps about Teams: the conversations it may post into
 * (upserted by id, listed in id order, filtered; removed ones hidden unless asked for) and
 * each policy's channel bindings (upserted by policy and purpose — its cases channel, and
 * its leads' channel — listed in policy order, removable). Neither is partitioned by policy.
 */
import { expect, it } from "vitest";
import type { Store } from "../../src/store/store.ts";
import type { ChannelBinding, ConversationRecord } from "../../src/store/teams-records.ts";

const TEAM = "19:team-sef@thread.tacv2";
const OTHER_TEAM = "19:team-law@thread.tacv2";

function reference(conversationId: string) {
  return {
    serviceUrl: "https://smba.trafficmanager.net/emea/",
    channelId: "msteams",
    bot: { id: "28:reach-bot", name: "Reach" },
    conversation: { id: conversationId, tenantId: "tenant-1", isGroup: true },
  };
}

/** A channel of team `teamId` (its General channel's id is the team's id). */
function channel(id: string, teamId: string, name: string): ConversationRecord {
  return {
    id,
    kind: "channel",
    tenantId: "tenant-1",
    teamId,
    teamName: teamId === TEAM ? "SEF student support" : "Law student support",
    name,
    reference: reference(id),
    updatedAt: "2026-11-23T09:00:00.000Z",
  };
}

function personal(id: string, user: string): ConversationRecord {
  return {
    id,
    kind: "personal",
    tenantId: "tenant-1",
    userAadObjectId: user,
    reference: reference(id),
    updatedAt: "2026-11-23T09:05:00.000Z",
  };
}

const GENERAL = channel(TEAM, TEAM, "General");
const CASES = channel("19:cases-sef@thread.tacv2", TEAM, "Cases");
const LAW_CASES = channel("19:cases-law@thread.tacv2", OTHER_TEAM, "Cases");
const ADA = personal("a:1ada-chat", "aad-ada");
const LEE = personal("a:1lee-chat", "aad-lee");
const GROUP: ConversationRecord = {
  id: "19:group-chat@thread.v2",
  kind: "groupChat",
  reference: reference("19:group-chat@thread.v2"),
  updatedAt: "2026-11-23T09:10:00.000Z",
};

function binding(policyId: string, conversationId: string, boundBy = "lee"): ChannelBinding {
  return {
    policyId,
    conversationId,
    teamId: TEAM,
    boundBy,
    boundAt: "2026-11-23T10:00:00.000Z",
  };
}

export function teamsContract(store: () => Store): void {
  it("saves a conversation and reads it back exactly, absent fields absent", async () => {
    await store().saveConversation(CASES);
    await store().saveConversation(GROUP);
    expect(await store().getConversation(CASES.id)).toStrictEqual(CASES);
    expect(await store().getConversation(GROUP.id)).toStrictEqual(GROUP);
    expect(await store().getConversation("19:never-seen@thread.tacv2")).toBeUndefined();
  });

  it("forgets one user's personal chats altogether (erasure), and nobody else's", async () => {
    const adaAgain = personal("19:ada-graph@unq.gbl.spaces", "AAD-ADA");
    for (const c of [ADA, adaAgain, LEE, CASES]) await store().saveConversation(c);
    await store().saveConversation({ ...ADA, removedAt: "2026-11-24T08:00:00.000Z" });
    // Entra object ids are compared without regard to case, as Teams and Graph write them.
    expect(await store().deletePersonalConversations("aad-ada")).toBe(2);
    expect((await store().listConversations({ includeRemoved: true })).map((c) => c.id)).toEqual(
      [CASES.id, LEE.id].sort(),
    );
    expect(await store().deletePersonalConversations("aad-ada")).toBe(0);
    // A channel is never a user's personal chat, whatever it records.
    expect(await store().deletePersonalConversations(TEAM)).toBe(0);
  });

  it("replaces a conversation saved again with the same id", async () => {
    await store().saveConversation(CASES);
    const renamed: ConversationRecord = {
      id: CASES.id,
      kind: "channel",
      teamId: TEAM,
      name: "Student cases",
      reference: { ...reference(CASES.id), serviceUrl: "https://smba.trafficmanager.net/uk/" },
      updatedAt: "2026-11-24T08:00:00.000Z",
    };
    await store().saveConversation(renamed);
    // The second record whole: the team name and tenant it no longer has are gone.
    expect(await store().getConversation(CASES.id)).toStrictEqual(renamed);
    expect(await store().listConversations()).toStrictEqual([renamed]);
  });

  it("lists conversations in id order, filtered by kind, team and user", async () => {
    for (const c of [LEE, CASES, GROUP, LAW_CASES, GENERAL, ADA]) {
      await store().saveConversation(c);
    }
    const ids = async (filter?: Parameters<Store["listConversations"]>[0]) =>
      (await store().listConversations(filter)).map((c) => c.id);
    expect(await ids()).toEqual([
      "19:cases-law@thread.tacv2",
      "19:cases-sef@thread.tacv2",
      "19:group-chat@thread.v2",
      "19:team-sef@thread.tacv2",
      "a:1ada-chat",
      "a:1lee-chat",
    ]);
    expect(await ids({ kind: "channel" })).toEqual([LAW_CASES.id, CASES.id, GENERAL.id]);
    expect(await ids({ kind: "personal" })).toEqual([ADA.id, LEE.id]);
    expect(await ids({ kind: "groupChat" })).toEqual([GROUP.id]);
    expect(await ids({ teamId: TEAM })).toEqual([CASES.id, GENERAL.id]);
    expect(await ids({ teamId: OTHER_TEAM, kind: "channel" })).toEqual([LAW_CASES.id]);
    expect(await ids({ teamId: OTHER_TEAM, kind: "personal" })).toEqual([]);
    expect(await ids({ userAadObjectId: "aad-lee" })).toEqual([LEE.id]);
    // Entra object ids match whatever their case: Teams and a school's export may differ.
    expect(await ids({ userAadObjectId: "AAD-Lee" })).toEqual([LEE.id]);
    expect(await ids({ userAadObjectId: "aad-nobody" })).toEqual([]);
    expect(await store().listConversations({ userAadObjectId: "aad-ada" })).toStrictEqual([ADA]);
  });

  it("hides conversations the bot was removed from unless asked for them", async () => {
    await store().saveConversation(CASES);
    await store().saveConversation(GENERAL);
    await store().saveConversation(ADA);
    const removed = { ...CASES, removedAt: "2026-11-25T12:00:00.000Z" };
    await store().saveConversation(removed);

    expect((await store().listConversations()).map((c) => c.id)).toEqual([GENERAL.id, ADA.id]);
    expect((await store().listConversations({ teamId: TEAM })).map((c) => c.id)).toEqual([
      GENERAL.id,
    ]);
    expect(
      (await store().listConversations({ teamId: TEAM, includeRemoved: true })).map((c) => c.id),
    ).toEqual([CASES.id, GENERAL.id]);
    expect(await store().listConversations({ includeRemoved: true })).toHaveLength(3);
    // Still there to read, with its removal time.
    expect(await store().getConversation(CASES.id)).toStrictEqual(removed);

    // The bot is added back: saved without removedAt, it is listed again.
    await store().saveConversation({ ...CASES, updatedAt: "2026-11-26T09:00:00.000Z" });
    expect((await store().listConversations({ kind: "channel" })).map((c) => c.id)).toEqual([
      CASES.id,
      GENERAL.id,
    ]);
  });

  it("keeps conversation ids that are long or hold characters ids rarely do", async () => {
    const odd = channel(`19:${"x".repeat(300)}/a?b#c;messageid=1@thread.tacv2`, TEAM, "Odd");
    await store().saveConversation(odd);
    expect(await store().getConversation(odd.id)).toStrictEqual(odd);
    expect((await store().listConversations()).map((c) => c.id)).toEqual([odd.id]);
  });

  it("refuses a conversation that is not one", async () => {
    const bad = [
      { ...GROUP, kind: "meeting" },
      { ...GROUP, id: "" },
      { ...GROUP, updatedAt: "yesterday" },
      { ...GROUP, removedAt: "2026-11-23" },
    ] as ConversationRecord[];
    for (const record of bad) {
      await expect(store().saveConversation(record)).rejects.toMatchObject({
        name: "StoreError",
        code: "invalid_request",
      });
    }
    expect(await store().listConversations({ includeRemoved: true })).toEqual([]);
  });

  it("saves one channel binding per policy, the latest replacing the one before", async () => {
    expect(await store().getBinding("sef-eng")).toBeUndefined();
    await store().saveBinding(binding("sef-eng", GENERAL.id));
    expect(await store().getBinding("sef-eng")).toStrictEqual(binding("sef-eng", GENERAL.id));

    const moved: ChannelBinding = {
      policyId: "sef-eng",
      conversationId: CASES.id,
      boundBy: "adm",
      boundAt: "2026-11-24T10:00:00.000Z",
    };
    await store().saveBinding(moved);
    expect(await store().getBinding("sef-eng")).toStrictEqual(moved);
    expect(await store().listBindings()).toStrictEqual([moved]);
    expect(await store().listBindings(GENERAL.id)).toEqual([]);
  });

  it("lists bindings in policy order, all or those of one channel", async () => {
    await store().saveBinding(binding("sef-eng", CASES.id));
    await store().saveBinding(binding("law-ug", LAW_CASES.id, "cai"));
    await store().saveBinding(binding("sef-pgt", CASES.id));
    await store().saveBinding(binding("adv-all", GENERAL.id));

    expect((await store().listBindings()).map((b) => [b.policyId, b.conversationId])).toEqual([
      ["adv-all", GENERAL.id],
      ["law-ug", LAW_CASES.id],
      ["sef-eng", CASES.id],
      ["sef-pgt", CASES.id],
    ]);
    expect((await store().listBindings(CASES.id)).map((b) => b.policyId)).toEqual([
      "sef-eng",
      "sef-pgt",
    ]);
    expect(await store().listBindings(LAW_CASES.id)).toStrictEqual([
      binding("law-ug", LAW_CASES.id, "cai"),
    ]);
    expect(await store().listBindings("19:unbound@thread.tacv2")).toEqual([]);
    // Bindings are kept apart from conversations: none was saved.
    expect(await store().listConversations({ includeRemoved: true })).toEqual([]);
  });

  it("removes a binding, answering whether there was one", async () => {
    await store().saveBinding(binding("sef-eng", CASES.id));
    await store().saveBinding(binding("sef-pgt", CASES.id));
    expect(await store().removeBinding("sef-eng")).toBe(true);
    expect(await store().getBinding("sef-eng")).toBeUndefined();
    expect(await store().removeBinding("sef-eng")).toBe(false);
    expect(await store().removeBinding("never-bound")).toBe(false);
    expect((await store().listBindings(CASES.id)).map((b) => b.policyId)).toEqual(["sef-pgt"]);
    // Bound again after removal: a fresh binding.
    await store().saveBinding(binding("sef-eng", GENERAL.id, "adm"));
    expect(await store().getBinding("sef-eng")).toStrictEqual(
      binding("sef-eng", GENERAL.id, "adm"),
    );
  });

  it("keeps a policy's leads' channel apart from its cases channel", async () => {
    const leads: ChannelBinding = { ...binding("sef-eng", GENERAL.id), purpose: "leads" };
    await store().saveBinding(binding("sef-eng", CASES.id));
    expect(await store().getBinding("sef-eng", "leads")).toBeUndefined();
    await store().saveBinding(leads);
    expect(await store().getBinding("sef-eng", "leads")).toStrictEqual(leads);
    // The cases binding is what a caller that names no purpose gets, as before.
    expect(await store().getBinding("sef-eng")).toStrictEqual(binding("sef-eng", CASES.id));
    expect(await store().getBinding("sef-eng")).not.toHaveProperty("purpose");

    // Moving the leads' channel replaces only the leads' binding.
    const moved: ChannelBinding = { ...leads, conversationId: LAW_CASES.id, boundBy: "adm" };
    await store().saveBinding(moved);
    expect(await store().getBinding("sef-eng", "leads")).toStrictEqual(moved);
    expect(await store().getBinding("sef-eng")).toStrictEqual(binding("sef-eng", CASES.id));
    expect(await store().listBindings(GENERAL.id)).toEqual([]);
    expect(await store().listBindings(LAW_CASES.id)).toStrictEqual([moved]);
  });

  it("lists both purposes, a policy's cases binding before its leads' one", async () => {
    await store().saveBinding({ ...binding("sef-eng", CASES.id), purpose: "leads" });
    await store().saveBinding(binding("sef-pgt", CASES.id));
    await store().saveBinding(binding("sef-eng", CASES.id));
    await store().saveBinding({ ...binding("adv-all", GENERAL.id), purpose: "leads" });
    const listed = (bindings: ChannelBinding[]) =>
      bindings.map((b) => [b.policyId, b.purpose ?? "cases", b.conversationId]);
    expect(listed(await store().listBindings())).toEqual([
      ["adv-all", "leads", GENERAL.id],
      ["sef-eng", "cases", CASES.id],
      ["sef-eng", "leads", CASES.id],
      ["sef-pgt", "cases", CASES.id],
    ]);
    expect(listed(await store().listBindings(CASES.id))).toEqual([
      ["sef-eng", "cases", CASES.id],
      ["sef-eng", "leads", CASES.id],
      ["sef-pgt", "cases", CASES.id],
    ]);
  });

  it("removes one purpose's binding and leaves the other", async () => {
    await store().saveBinding(binding("sef-eng", CASES.id));
    await store().saveBinding({ ...binding("sef-eng", GENERAL.id), purpose: "leads" });
    expect(await store().removeBinding("sef-eng", "leads")).toBe(true);
    expect(await store().removeBinding("sef-eng", "leads")).toBe(false);
    expect(await store().getBinding("sef-eng", "leads")).toBeUndefined();
    expect(await store().getBinding("sef-eng")).toStrictEqual(binding("sef-eng", CASES.id));

    await store().saveBinding({ ...binding("sef-eng", GENERAL.id), purpose: "leads" });
    expect(await store().removeBinding("sef-eng")).toBe(true);
    expect(await store().getBinding("sef-eng")).toBeUndefined();
    expect((await store().listBindings()).map((b) => b.purpose)).toEqual(["leads"]);
  });

  it("refuses a binding that is not one", async () => {
    const bad = [
      { ...binding("sef-eng", CASES.id), policyId: "" },
      { ...binding("sef-eng", CASES.id), conversationId: "" },
      { ...binding("sef-eng", CASES.id), boundAt: "not a time" },
      { ...binding("sef-eng", CASES.id), purpose: "digest" },
      { ...binding("sef-eng", CASES.id), purpose: "" },
    ] as ChannelBinding[];
    for (const record of bad) {
      await expect(store().saveBinding(record)).rejects.toMatchObject({
        code: "invalid_request",
      });
    }
    expect(await store().listBindings()).toEqual([]);
  });

  it("keeps conversations and bindings apart from cases, runs and the outbox", async () => {
    await store().saveConversation(CASES);
    await store().saveBinding(binding("sef-eng", CASES.id));
    expect(await store().listCases()).toEqual([]);
    expect(await store().listRuns()).toEqual([]);
    expect(await store().listOutbox()).toEqual([]);
    expect(await store().listErasures()).toEqual([]);
    expect(await store().finishInterrupted()).toBe(0);
  });
}
