import type { Store } from "../../src/store/index.ts";

/**
 * What installing Reach in a team's channel and linking a policy there leave in the store:
 * the channel's conversation (reached at `serviceUrl`) and the policy's binding to it. For
 * tests that start Reach as a separate process against a connector of their own.
 */
export async function linkChannel(
  store: Store,
  options: { channelId: string; serviceUrl: string; policyId: string; at: string },
): Promise<void> {
  const { channelId, serviceUrl, policyId, at } = options;
  await store.saveConversation({
    id: channelId,
    kind: "channel",
    teamId: "team-1",
    name: "Cases",
    reference: {
      channelId: "msteams",
      serviceUrl,
      bot: { id: "28:reach", name: "Reach" },
      conversation: { id: channelId, conversationType: "channel", isGroup: true },
    },
    updatedAt: at,
  });
  await store.saveBinding({ policyId, conversationId: channelId, boundBy: "T-ADELE", boundAt: at });
}
